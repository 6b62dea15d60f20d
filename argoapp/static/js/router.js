// router.js: the client-side router. Owns the route table (path -> page module), mounts one
// page at a time into the outlet main.js gives it, calls the previous page's cleanup first,
// and turns same-origin link clicks into history navigation. Page modules are loaded lazily
// (import()) so a page that fails to load shows an error box, never a blank app.
// Each page module's default export is mount(root, {params, query}) -> cleanup | undefined.

import { BASE, appPath, clear, fullPath, h } from "./dom.js";
import { errorBox, loading } from "./components.js";
import { ApiError } from "./api.js";

// [pattern, page module, names of the captured groups, fixed params]
const ROUTES = [
  [/^\/workflows(?:\/([^/]+))?\/?$/, "workflows", ["namespace"]],
  [/^\/workflows\/([^/]+)\/([^/]+)\/?$/, "workflow", ["namespace", "name"]],
  [/^\/archived-workflows(?:\/([^/]+))?\/?$/, "workflows", ["namespace"], { archived: true }],
  [/^\/archived-workflows\/([^/]+)\/([^/]+)\/?$/, "workflow", ["namespace", "uid"]],
  [/^\/submit\/?$/, "submit", []],
  [/^\/workflow-templates(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/, "templates", ["namespace", "name"],
    { kind: "WorkflowTemplate" }],
  [/^\/cluster-workflow-templates(?:\/([^/]+))?\/?$/, "templates", ["name"],
    { kind: "ClusterWorkflowTemplate" }],
  [/^\/cron-workflows(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/, "cron", ["namespace", "name"]],
  [/^\/login\/?$/, "login", []],
  [/^\/userinfo\/?$/, "user", []],
];
// Paths the browser must load itself (downloads, the API, logout), never the router.
const NATIVE = ["/api/", "/artifact-files/", "/artifacts/", "/input-artifacts/", "/static/",
  "/logout", "/healthz", "/metrics"];

let outlet = null;
let cleanup = null;
let generation = 0;
let shown = ""; // path + query on screen: a change of the #fragment alone renders nothing

/**
 * The page and params for `pathname`.
 * @param {string} pathname
 * @returns {{page: string, params: object}}
 */
export function match(pathname) {
  for (const [pattern, page, names, fixed] of ROUTES) {
    const m = pattern.exec(pathname);
    if (!m) continue;
    const params = { ...(fixed || {}) };
    names.forEach((name, i) => {
      if (m[i + 1] !== undefined) params[name] = decodeURIComponent(m[i + 1]);
    });
    return { page, params };
  }
  return { page: "notfound", params: {} };
}

/**
 * Go to `path` (pushState, or replaceState with replace) and render it.
 * @param {string} path e.g. "/workflows/argo?phase=Failed"
 * @param {{replace?: boolean}} [opts]
 */
export function navigate(path, { replace = false } = {}) {
  const here = window.location.pathname + window.location.search + window.location.hash;
  const full = fullPath(path);
  if (replace) window.history.replaceState(null, "", full);
  else if (full !== here) window.history.pushState(null, "", full);
  render();
  window.scrollTo(0, 0);
}

/** The query of the current location. @returns {URLSearchParams} */
export function currentQuery() {
  return new URLSearchParams(window.location.search);
}

/**
 * Change the query without rendering again. An object is merged into the current query (null,
 * undefined or "" removes a key; arrays repeat it); a URLSearchParams replaces it whole.
 * @param {object|URLSearchParams} params
 * @param {{replace?: boolean}} [opts]
 */
export function setQuery(params, { replace = true } = {}) {
  let query;
  if (params instanceof URLSearchParams) {
    query = new URLSearchParams(params);
  } else {
    query = currentQuery();
    for (const [key, value] of Object.entries(params || {})) {
      query.delete(key);
      if (value === null || value === undefined || value === "") continue;
      for (const v of Array.isArray(value) ? value : [value]) query.append(key, String(v));
    }
  }
  const search = query.toString();
  const path = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  shown = window.location.pathname + window.location.search;
}

/**
 * Start routing into `root` (called once by main.js).
 * @param {HTMLElement} root
 */
export function start(root) {
  outlet = root;
  window.addEventListener("popstate", () => {
    if (window.location.pathname + window.location.search !== shown) render();
  });
  document.addEventListener("click", onClick);
  render();
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!a || a.target || a.hasAttribute("download") || "native" in a.dataset) return;
  const href = a.getAttribute("href");
  if (!href || href.startsWith("#")) return;
  const u = new URL(a.href);
  if (u.origin !== window.location.origin) return;
  if (!u.pathname.startsWith(BASE) && u.pathname + "/" !== BASE) return; // not this app
  const path = appPath(u.pathname);
  if (NATIVE.some((p) => path === p || path.startsWith(p))) return;
  event.preventDefault();
  navigate(path + u.search + u.hash);
}

function runCleanup() {
  const done = cleanup;
  cleanup = null;
  if (typeof done === "function") {
    try {
      done();
    } catch {
      // a page that fails to clean up must not stop the next one from showing
    }
  }
}

/** After a move made from the nav, put the keyboard in the new page (as a full load would). */
function focusPage(root) {
  const active = document.activeElement;
  if (!active || !active.closest || !active.closest("#nav")) return;
  if (!root.isConnected || !outlet) return;
  outlet.focus({ preventScroll: true });
}

/** The page module; a module the browser could not fetch is the server not answering. */
async function loadPage(page) {
  try {
    return await import(`./pages/${page}.js`);
  } catch (err) {
    // The browser's own text ("Failed to fetch dynamically imported module: …") means nothing
    // to a user; a module that fails to fetch is almost always a server that is down.
    console.warn(`argoapp: loading the ${page} page failed:`, err);
    throw new ApiError("The server did not answer. Check that argoapp is running, then retry.", 0, 14);
  }
}

async function render() {
  if (!outlet) return;
  const mine = ++generation;
  const pathname = appPath(window.location.pathname);
  if (pathname === "/" || pathname + "/" === BASE) {
    navigate("/workflows", { replace: true });
    return;
  }
  runCleanup();
  shown = window.location.pathname + window.location.search;
  const { page, params } = match(pathname);
  // Each page gets its own root, so a slow page that finishes late draws into a detached node.
  const root = h("div", { class: "page", dataset: { page } }, loading());
  clear(outlet).appendChild(root);
  document.title = "argoapp";
  window.dispatchEvent(new CustomEvent("argoapp:route", { detail: { page, params } }));
  try {
    const mod = await loadPage(page);
    if (mine !== generation) return;
    clear(root);
    let done = mod.default(root, { params, query: currentQuery() });
    if (done && typeof done.then === "function") done = await done;
    if (mine !== generation) {
      if (typeof done === "function") done();
      return;
    }
    cleanup = done;
    focusPage(root);
  } catch (err) {
    if (mine !== generation) return;
    clear(root).appendChild(
      h("div", { class: "page-body" }, errorBox(err, () => render())),
    );
  }
}
