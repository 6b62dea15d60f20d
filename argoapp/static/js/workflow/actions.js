// The actions of the workflow page's header: resubmit, retry, suspend, resume, stop, terminate
// and delete, each shown only when it applies to the workflow's phase (archived workflows have
// resubmit, retry and delete, through the archived-workflows API). Destructive ones ask first.
// Running one reports its result (a toast) or its error (an errorBox with Retry, in the page's
// action area), then tells the page what happened: `onDone(kind, workflow)` where kind is
// "updated" (the same workflow, changed), "created" (a new workflow to navigate to) or
// "deleted". Used by pages/workflow.js; the node panel (workflow/nodepanel.js) takes
// `resumeNodeButton`, which resumes one Suspend node.

import { h } from "../dom.js";
import { put, del } from "../api.js";
import { confirmDialog, toast, errorBox } from "../components.js";
import { isFinished, isSuspended } from "./model.js";

/** The actions, in the order they are shown. `when(wf, archived)` says whether it applies. */
const ACTIONS = [
  {
    id: "resubmit",
    label: "Resubmit",
    when: () => true,
    ask: (name) => `Resubmit ${name}? A new workflow runs from its spec.`,
    done: "Resubmitted",
  },
  {
    id: "retry",
    label: "Retry",
    when: (wf) => ["Failed", "Error"].includes(wf.status?.phase),
    ask: (name) => `Retry ${name}? Its failed steps run again.`,
    done: "Retrying",
  },
  {
    id: "suspend",
    label: "Suspend",
    when: (wf, archived) => !archived && !isFinished(wf) && !isSuspended(wf),
    done: "Suspended",
  },
  {
    id: "resume",
    label: "Resume",
    when: (wf, archived) => !archived && isSuspended(wf),
    done: "Resumed",
  },
  {
    id: "stop",
    label: "Stop",
    when: (wf, archived) => !archived && !isFinished(wf),
    ask: (name) => `Stop ${name}? Running steps are stopped and exit handlers run.`,
    danger: true,
    done: "Stopping",
  },
  {
    id: "terminate",
    label: "Terminate",
    when: (wf, archived) => !archived && !isFinished(wf),
    ask: (name) => `Terminate ${name}? Everything stops at once; exit handlers do not run.`,
    danger: true,
    done: "Terminating",
  },
  {
    id: "delete",
    label: "Delete",
    when: () => true,
    ask: (name) => `Delete ${name}? This cannot be undone.`,
    danger: true,
    done: "Deleted",
  },
];

/** The buttons of the actions that apply to `wf`; errors go into `errorHost`. */
export function actionButtons(wf, { archived, errorHost, onDone }) {
  return ACTIONS.filter((a) => a.when(wf, archived)).map((action) =>
    h(
      "button",
      {
        class: `btn${action.danger ? " danger" : ""}`,
        type: "button",
        "aria-label": `${action.label} workflow`,
        dataset: { action: action.id },
        onclick: (ev) => run(action, wf, { archived, errorHost, onDone, button: ev.currentTarget }),
      },
      action.label,
    ),
  );
}

async function run(action, wf, { archived, errorHost, onDone, button }) {
  const name = wf.metadata.name;
  if (action.ask) {
    const options = { confirm: action.label, danger: !!action.danger };
    const ok = await confirmDialog(action.ask(name), options);
    if (!ok) return;
  }
  errorHost.replaceChildren();
  if (button) button.disabled = true;
  try {
    const result = await call(action.id, wf, archived);
    toast(`${action.done}: ${result?.metadata?.name || name}`);
    if (action.id === "delete") onDone("deleted", wf);
    else if (result?.metadata?.name && (result.metadata.name !== name || archived)) {
      onDone("created", result); // a resubmit, or a retry of an archived workflow
    }
    else onDone("updated", result);
  } catch (err) {
    const again = () => run({ ...action, ask: null }, wf, { archived, errorHost, onDone });
    const title = h("p", { class: "wf-action-failed" }, `${action.label} failed:`);
    errorHost.replaceChildren(title, errorBox(err, again));
  } finally {
    if (button) button.disabled = false;
  }
}

/** The API call of an action; resolves to the answer (a workflow, or {} for delete). */
function call(id, wf, archived) {
  const { namespace, name, uid } = wf.metadata;
  const ns = encodeURIComponent(namespace);
  if (archived) {
    const base = `/api/v1/archived-workflows/${encodeURIComponent(uid)}`;
    if (id === "delete") return del(base);
    const body = { uid, namespace, name };
    if (id === "resubmit") body.memoized = false;
    return put(`${base}/${id}`, body);
  }
  const base = `/api/v1/workflows/${ns}/${encodeURIComponent(name)}`;
  if (id === "delete") return del(base);
  const body = { namespace, name };
  if (id === "resubmit") body.memoized = false;
  return put(`${base}/${id}`, body);
}

/** A button resuming one running Suspend node (`nodeFieldSelector=id=<node>`), as Argo's node
 *  panel has; its error shows beside it. */
export function resumeNodeButton(wf, node) {
  const { namespace, name } = wf.metadata;
  const path = `/api/v1/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  const failure = h("div", { class: "wf-action-errors", "aria-live": "assertive" });
  const resume = async () => {
    button.disabled = true;
    failure.replaceChildren();
    try {
      await put(`${path}/resume`, { namespace, name, nodeFieldSelector: `id=${node.id}` });
      toast(`Resumed: ${node.displayName || node.name}`);
    } catch (err) {
      failure.replaceChildren(errorBox(err, resume));
    } finally {
      button.disabled = false;
    }
  };
  const button = h(
    "button",
    { class: "btn primary", type: "button", dataset: { action: "resume-node" }, onclick: resume },
    "Resume this node",
  );
  return h("div", { class: "wf-node-actions" }, button, failure);
}
