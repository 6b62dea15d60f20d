// dom.js: the one way every page builds DOM: h(tag, attrs, ...children), plus clear and $.
// Used by every module under js/. Pure DOM helpers: no fetching, no state, no styling.

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
