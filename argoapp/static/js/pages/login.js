// pages/login.js: the login page (/login?redirect=PATH). Takes a token ("Bearer X" or "X"),
// checks it against the API first (so a refused token is reported here, not after a redirect),
// then hands it to the server's login link (/login?token=X&redirect=PATH), which keeps it in
// the httponly `authorization` cookie and sends the browser on to PATH.

import { h, clear } from "../dom.js";
import { url } from "../api.js";
import { currentQuery } from "../router.js";
import { app, errorBox } from "../components.js";

const PROBE = "/api/v1/workflows/argo"; // any call that makes Kubernetes look at the token

/** The token of what was typed: "Bearer X", "bearer X" or "X" all give X. */
export function tokenOf(text) {
  const value = String(text || "").trim();
  const m = /^bearer\s+(.+)$/i.exec(value);
  return (m ? m[1] : value).trim();
}

/** Where to go after logging in: the redirect query parameter when it is a path on this site. */
export function redirectTarget(query) {
  const target = query.get("redirect") || "";
  return target.startsWith("/") && !target.startsWith("//") && !target.startsWith("/login")
    ? target : "/workflows";
}

/**
 * Whether the server accepts `token`: resolves true, false (401), or throws on no answer.
 * 403 counts as accepted: the token is known, it may only lack rights in that namespace.
 */
async function accepted(token) {
  const resp = await fetch(url(PROBE, { "listOptions.limit": 1 }), {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    credentials: "omit",
  });
  return resp.status !== 401;
}

/** After a 401 sent the browser here: one line saying why, and where logging in leads. */
function whySent(query, target) {
  if (!query.has("redirect") || query.has("token")) return null;
  return h("p", { class: "card login-why", role: "status" },
    "The server refused the page's request: there is no token, or it was rejected or has " +
    "expired. Log in to go on to ", h("code", {}, target), ".");
}

function help() {
  return h("div", { class: "card" },
    h("p", {}, "argoapp asks for an API token. Either open the login link that ",
      h("code", {}, "argoapp up"), " printed when it started (",
      h("code", {}, `${url("/")}?token=…`), "), or print the token with ",
      h("code", {}, "argoapp auth token"), " and paste it here."),
    h("p", { class: "muted" }, "With a Kubernetes cluster, any service account token the server " +
      "accepts works (the same as ARGO_TOKEN). \"Bearer …\" is accepted as it is."));
}

/** Mount the login page. */
export default function mount(root, { query }) {
  document.title = "Log in · argoapp";
  const target = redirectTarget(query || currentQuery());
  const status = h("div", { class: "login-status", "aria-live": "polite" });
  const input = h("input", { id: "login-token", name: "token", type: "password",
    autocomplete: "off", spellcheck: "false", required: true, placeholder: "Bearer eyJhbGciOi… or the token" });
  const button = h("button", { class: "btn primary", type: "submit" }, "Log in");
  const form = h("form", { class: "card login-form", onsubmit: (e) => { e.preventDefault(); submit(); } },
    h("div", { class: "field" }, h("label", { for: "login-token" }, "Token"), input),
    h("div", { class: "toolbar" }, button));

  async function submit() {
    const token = tokenOf(input.value);
    clear(status);
    if (!token) {
      status.appendChild(errorBox({ title: "No token", message: "Enter a token first." }, null));
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      if (!(await accepted(token))) {
        status.appendChild(errorBox({ status: 401, title: "Token refused (401)",
          message: "The server does not accept this token. Check that it is the whole token, " +
            "or print it again with `argoapp auth token`." }, null));
        input.select();
        return;
      }
      const next = url("/login", { token, redirect: target });
      window.location.assign(next);
    } catch (err) {
      status.appendChild(errorBox({ status: 0, message: String(err && err.message || err) }, submit));
    } finally {
      button.disabled = false;
    }
  }

  root.append(
    h("div", { class: "login" },
      h("div", { class: "page-head" }, h("h1", {}, "Log in"), h("div", { class: "toolbar" })),
      whySent(query || currentQuery(), target), help(), form, status));
  if (currentQuery().has("token")) {
    // The server answered /login?token=… itself instead of taking the token: no login here.
    status.appendChild(h("div", { class: "card" }, h("p", {},
      "This server does not take tokens (auth mode server): everyone acts as the server. ",
      h("a", { href: target }, "Continue"))));
  } else if (app.authMode === "server") {
    status.appendChild(h("p", { class: "muted" }, "This server answers without a token. ",
      h("a", { href: target }, "Continue")));
  }
  input.focus();
  return undefined;
}
