// main.js: boots the UI. Draws the shell (left nav with the current page marked, version in
// its footer, the server's navColor), fills components.app from /api/v1/info, then starts the
// router in <main>. Loaded by index.html; nothing imports it.

import { h, clear, $, appPath } from "./dom.js";
import { get } from "./api.js";
import { start } from "./router.js";
import { app, errorBox, loading, savedNamespace } from "./components.js";

const NAV = [
  { page: "workflows", href: "/workflows", label: "Workflows", icon: "☰",
    match: ["/workflows", "/archived-workflows"] },
  { page: "templates", href: "/workflow-templates", label: "Workflow templates", icon: "▤",
    match: ["/workflow-templates"] },
  { page: "cluster-templates", href: "/cluster-workflow-templates",
    label: "Cluster workflow templates", icon: "▥", match: ["/cluster-workflow-templates"] },
  { page: "cron", href: "/cron-workflows", label: "Cron workflows", icon: "◷",
    match: ["/cron-workflows"] },
  { page: "submit", href: "/submit", label: "Submit", icon: "+", match: ["/submit"] },
  { page: "user", href: "/userinfo", label: "User", icon: "☺", match: ["/userinfo"] },
];
const COLLAPSED_KEY = "argoapp.navCollapsed";

function navLink(item) {
  return h("li", {},
    h("a", { class: "nav-link", href: item.href, title: item.label, dataset: { nav: item.page } },
      h("span", { class: "nav-icon", "aria-hidden": "true" }, item.icon),
      h("span", { class: "nav-label" }, item.label)));
}

function markCurrent(nav) {
  const path = appPath(window.location.pathname);
  for (const item of NAV) {
    const a = nav.querySelector(`[data-nav="${item.page}"]`);
    const here = item.match.some((p) => path === p || path.startsWith(p + "/"));
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function setCollapsed(shell, button, collapsed) {
  shell.classList.toggle("nav-collapsed", collapsed);
  button.setAttribute("aria-expanded", collapsed ? "false" : "true");
  button.setAttribute("aria-label", collapsed ? "Expand navigation" : "Collapse navigation");
  try {
    localStorage.setItem(COLLAPSED_KEY, collapsed ? "1" : "");
  } catch {
    // storage off: the choice lasts for this page only
  }
}

function buildNav(nav, shell) {
  const toggle = h("button", { class: "nav-toggle", type: "button", title: "Collapse or expand" },
    h("span", { "aria-hidden": "true" }, "⇔"));
  toggle.addEventListener("click", () =>
    setCollapsed(shell, toggle, !shell.classList.contains("nav-collapsed")));
  let collapsed = false;
  try {
    collapsed = localStorage.getItem(COLLAPSED_KEY) === "1";
  } catch {
    collapsed = false;
  }
  clear(nav).append(
    h("div", { class: "nav-head" },
      h("a", { class: "nav-brand", href: "/workflows", title: "argoapp" },
        h("img", { src: "/static/favicon.svg", alt: "", width: 24, height: 24 }),
        h("span", { class: "nav-label" }, "argoapp")),
      toggle),
    h("ul", { class: "nav-list" }, NAV.map(navLink)),
    h("div", { class: "nav-foot" },
      h("span", { class: "nav-label nav-version", id: "nav-version" }, "")));
  setCollapsed(shell, toggle, collapsed);
  markCurrent(nav);
  window.addEventListener("argoapp:route", () => markCurrent(nav));
}

/** Dark text on a light nav colour, light text on a dark one. */
function applyNavColor(nav, color) {
  if (!color) return;
  nav.style.background = color;
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(nav).backgroundColor);
  if (!m) return;
  const [r, g, b] = m.slice(1, 4).map((x) => {
    const c = Number(x) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  nav.classList.add(luminance > 0.4 ? "nav-on-light" : "nav-on-dark");
}

async function showVersion() {
  try {
    const v = await get("/api/v1/version");
    app.version = v.version || "";
    const el = document.getElementById("nav-version");
    if (el) {
      el.textContent = app.version;
      el.title = `argoapp ${app.version}`;
    }
  } catch {
    // the version is decoration: the nav works without it
  }
}

async function loadInfo(outlet) {
  for (;;) {
    try {
      return await get("/api/v1/info");
    } catch (err) {
      // Wait for Retry: the pages need the info (the managed namespace) before they render.
      await new Promise((resolve) => {
        clear(outlet).appendChild(h("div", { class: "page-body" }, errorBox(err, resolve)));
      });
      clear(outlet).appendChild(loading());
    }
  }
}

async function boot() {
  const shell = $(".shell");
  const nav = $("#nav");
  const outlet = $("#main");
  app.authMode = document.querySelector('meta[name="argoapp-auth-mode"]')?.content || "";
  buildNav(nav, shell);
  showVersion();
  // The login page must show without a token; every other page needs the info first.
  if (appPath(window.location.pathname) !== "/login") {
    clear(outlet).appendChild(loading());
    app.info = (await loadInfo(outlet)) || {};
  }
  app.managedNamespace = app.info.managedNamespace || "";
  app.namespace = app.managedNamespace || savedNamespace() || "argo";
  applyNavColor(nav, app.info.navColor);
  start(outlet);
}

boot();
