// pages/notfound.js: what any path the router does not know shows (the server answers such a
// browser request with the UI and status 404).

import { h, appPath } from "../dom.js";

/** Mount the not-found page. */
export default function mount(root) {
  document.title = "Not found · argoapp";
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Page not found"), h("div", { class: "toolbar" })),
    h("div", { class: "empty" },
      h("p", {}, "Nothing lives at ", h("code", {}, appPath(window.location.pathname)), "."),
      h("a", { class: "btn primary", href: "/workflows" }, "Go to workflows")));
  return undefined;
}
