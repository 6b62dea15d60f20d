// pages/user.js: the user page (/userinfo): who the server thinks the caller is
// (GET /api/v1/userinfo), whether it asks for a token at all (the auth mode the server wrote
// into index.html: no probing request), and a Log out button.

import { h, clear } from "../dom.js";
import { get } from "../api.js";
import { app, errorBox, loading } from "../components.js";

const CLAIMS = [
  ["issuer", "Issuer"],
  ["subject", "Subject"],
  ["email", "Email"],
  ["emailVerified", "Email verified"],
  ["groups", "Groups"],
  ["name", "Name"],
  ["serviceAccountName", "Service account"],
  ["serviceAccountNamespace", "Service account namespace"],
];

function claims(info) {
  const rows = CLAIMS.filter(([key]) => info[key] !== undefined && info[key] !== "")
    .map(([key, label]) => {
      const value = Array.isArray(info[key]) ? info[key].join(", ") : String(info[key]);
      return [h("dt", {}, label), h("dd", {}, value)];
    });
  if (!rows.length) {
    return h("p", { class: "muted" }, "No identity claims: the token is a Kubernetes token " +
      "(argoapp's own, or a service account's), not a single sign-on login.");
  }
  return h("dl", { class: "kv" }, rows);
}

function modeText(mode) {
  if (mode === "client") {
    return "client: every call carries your token and Kubernetes decides what it may do.";
  }
  if (mode === "server") return "server: no token needed; every call acts as the server itself.";
  return "unknown";
}

/** Mount the user page. */
export default function mount(root) {
  document.title = "User · argoapp";
  const body = h("div", { class: "page-body" }, loading());
  const logout = h("a", { class: "btn", href: "/logout", "aria-label": "Log out", dataset: { native: "" } },
    "Log out");
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "User"), h("div", { class: "toolbar" }, logout)),
    body);

  async function load() {
    clear(body).appendChild(loading());
    try {
      const info = await get("/api/v1/userinfo");
      clear(body).append(
        h("div", { class: "card" }, h("h2", {}, "Identity"), claims(info || {})),
        h("div", { class: "card" }, h("h2", {}, "Auth mode"), h("p", { class: "auth-mode" }, modeText(app.authMode)),
          h("p", { class: "muted" }, "For the argo CLI or Hera, print the token with ",
            h("code", {}, "argoapp auth token"), " and pass it as ARGO_TOKEN.")));
    } catch (err) {
      clear(body).appendChild(errorBox(err, load));
    }
  }
  load();
  return undefined;
}
