// dom.js: the one way every page builds DOM: h(tag, attrs, ...children), plus clear and $.
// Used by every module under js/. Pure DOM helpers: no fetching, no state, no styling.
// Also where the UI learns the path it is served under (index.html's <base href>, "/argo/"
// behind a proxy): BASE, appPath() and fullPath(); h() puts it in front of every site path it
// is given as an href or src, so pages keep writing "/workflows/…".

/** The path the UI is served under, with its slashes: "/" or e.g. "/argo/". */
export const BASE = baseOf(document.querySelector("base"));

function baseOf(base) {
  if (!base) return "/"; // no <base>: served at the root
  const path = new URL(base.href).pathname;
  return path.endsWith("/") ? path : path + "/";
}

/**
 * The app's own path of a browser path ("/argo/workflows" -> "/workflows").
 * @param {string} pathname
 */
export function appPath(pathname) {
  return pathname.startsWith(BASE) ? "/" + pathname.slice(BASE.length) : pathname;
}

/**
 * The browser path of a path of the app ("/workflows" -> "/argo/workflows"); anything that is
 * not a site path ("//host", "https:…", "#x", already under BASE) is left as it is.
 * @param {string} path
 */
export function fullPath(path) {
  if (BASE === "/" || typeof path !== "string" || !path.startsWith("/") || path.startsWith("//")) {
    return path;
  }
  return path.startsWith(BASE) ? path : BASE + path.slice(1);
}

const LINKS = new Set(["href", "src", "action"]);
const PROPERTIES = new Set(["value", "checked", "selected", "indeterminate", "muted"]);

/**
 * An element. attrs: class (string or array), style (object or string), on* (functions,
 * e.g. onclick), dataset (object), aria-* and any other attribute (false/null/undefined skip
 * it, true sets it empty); value/checked/selected are set as properties. children: nodes,
 * strings, numbers, arrays of those, null/undefined/false (skipped).
 * @param {string} tag
 * @param {object} [attrs]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  const properties = [];
  if (attrs instanceof Node || typeof attrs !== "object" || Array.isArray(attrs)) {
    children.unshift(attrs); // h("p", "text") is forgiven
  } else if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (PROPERTIES.has(key)) properties.push([key, value]);
      else setAttr(el, key, value);
    }
  }
  append(el, children);
  // After the children: a <select>'s value only sticks once its options are there.
  for (const [key, value] of properties) {
    if (value !== null && value !== undefined) el[key] = value;
  }
  return el;
}

function setAttr(el, key, value) {
  if (value === null || value === undefined || value === false) return;
  if (key === "class" || key === "className") {
    el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : String(value);
  } else if (key === "style") {
    if (typeof value === "string") el.setAttribute("style", value);
    else Object.assign(el.style, value);
  } else if (key === "dataset") {
    Object.assign(el.dataset, value);
  } else if (key.startsWith("on") && typeof value === "function") {
    el.addEventListener(key.slice(2).toLowerCase(), value);
  } else if (key === "htmlFor") {
    el.setAttribute("for", value);
  } else if (LINKS.has(key)) {
    el.setAttribute(key, fullPath(String(value)));
  } else {
    el.setAttribute(key, value === true ? "" : String(value));
  }
}

/**
 * Append children (nodes, strings, arrays; null/undefined/false/true skipped) to `el`.
 * @param {Node} el
 * @param {any[]} children
 */
export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Remove every child of `el`; returns `el`.
 * @param {Node} el
 */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/**
 * The first element matching `sel` under `root`.
 * @param {string} sel
 * @param {ParentNode} [root]
 * @returns {Element|null}
 */
export function $(sel, root = document) {
  return root.querySelector(sel);
}

/**
 * Every element matching `sel` under `root`, as an array.
 * @param {string} sel
 * @param {ParentNode} [root]
 * @returns {Element[]}
 */
export function $$(sel, root = document) {
  return Array.from(root.querySelectorAll(sel));
}
