// The YAML tab of the workflow page: the whole object (metadata, spec and status) as block YAML
// (yaml.js), read-only in the Editor (a plain <pre> past EDITOR_LIMIT characters, which draws a
// huge status faster), with a download. Loaded by pages/workflow.js only when the tab is opened,
// so the page does not pay for the YAML writer and the editor until then. Returns {el, destroy}.

import { h } from "../dom.js";
import { download, emptyState } from "../components.js";
import { stringify } from "../yaml.js";
import { Editor } from "../editor.js";

const EDITOR_LIMIT = 400000; // characters

/** The YAML tab: `wf` as YAML, read-only, with a download button. */
export function yamlTab(wf) {
  const shown = { ...wf, metadata: { ...wf.metadata } };
  delete shown.metadata.managedFields;
  let text;
  try {
    text = stringify(shown);
  } catch (err) {
    text = JSON.stringify(shown, null, 2); // a value stringify cannot write still shows
  }
  const name = wf.metadata.name;
  const bar = h(
    "div",
    { class: "toolbar wf-yaml-bar" },
    h(
      "button",
      {
        class: "btn",
        type: "button",
        onclick: () => download(`${name}.yaml`, text, "application/yaml"),
      },
      "Download YAML",
    ),
  );
  const host = h("div", { class: "wf-yaml" });
  let editor = null;
  if (text.length <= EDITOR_LIMIT) {
    editor = new Editor(host, { value: text, readOnly: true });
  } else {
    host.append(h("pre", { class: "wf-yaml-pre", tabindex: "0" }, text));
  }
  if (!text) host.append(emptyState("Nothing to show."));
  return { el: h("div", {}, bar, host), destroy: () => editor?.destroy() };
}
