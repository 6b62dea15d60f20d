// The page scaffolding pages/templates.js and pages/cron.js share: the heading with its
// toolbar, and the list pages' filters (namespace, name in ?name=), create link and empty
// state. Builds elements only; the pages fetch and draw their own rows.

import { h } from "../dom.js";
import { navigate, setQuery } from "../router.js";
import { namespaceInput, emptyState } from "../components.js";
import { defaultNamespace, listRoute } from "./kinds.js";

/** The `.page-head`: an <h1> and a toolbar of actions. */
export function pageHead(title, ...actions) {
  return h("div", { class: "page-head" }, h("h1", {}, title), h("div", { class: "toolbar" }, actions));
}

/**
 * The top of a list page of `kind` in `ns` ("" = every namespace): heading with Create, the
 * namespace input (namespaced kinds; a change navigates) and the name filter (kept in ?name=,
 * `onFilter(text)` on each keystroke). Returns {element, createHref, empty(nameFilter)}.
 */
export function listTop(kind, ns, nameFilter, onFilter) {
  const createHref = kind.route(kind.namespaced ? ns || defaultNamespace() : undefined, "new");
  const filters = h("div", { class: "toolbar tm-filters" },
    kind.namespaced ? h("label", { class: "field" }, h("span", {}, "Namespace"),
      namespaceInput(ns, (v) => navigate(listRoute(kind, v.trim())))) : null,
    h("label", { class: "field" }, h("span", {}, "Name"),
      h("input", {
        type: "search", value: nameFilter, placeholder: "filter by name", "aria-label": "Filter by name",
        oninput: (e) => {
          setQuery({ name: e.target.value || null });
          onFilter(e.target.value);
        },
      })));
  const head = pageHead(kind.title,
    h("a", { class: "btn primary", href: createHref, "aria-label": `Create a ${kind.noun}` }, "+ Create"));
  return {
    element: [head, filters],
    createHref,
    /** The empty state for no objects (or none matching the filter). */
    empty(filter) {
      const where = kind.namespaced ? (ns ? ` in ${ns}` : " in any namespace") : "";
      const what = filter ? `No ${kind.noun}s match “${filter}”${where}.` : `No ${kind.noun}s${where}.`;
      return emptyState(what, h("a", { class: "btn", href: createHref }, `Create a ${kind.noun}`));
    },
  };
}
