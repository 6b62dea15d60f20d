// Cron workflows: the list (/cron-workflows[/:ns]) with schedules, their meaning, next and last
// run, suspended or not; one cron workflow (/cron-workflows/:ns/:name) with its summary, the
// workflows it started (live), its conditions, YAML (edit, save) and the actions suspend,
// resume, submit now and delete; and create (/cron-workflows/:ns/new). The router mounts it.
// Argo has no watch for cron workflows, so the pages re-read them every POLL_MS.

import { h, clear } from "../dom.js";
import { get, del, put, post } from "../api.js";
import { navigate, currentQuery } from "../router.js";
import { errorBox, confirmDialog, toast, loading } from "../components.js";
import { KINDS, itemPath, listNamespace, rememberNamespace, defaultNamespace, starter } from "../tmpl/kinds.js";
import { pageHead, listTop } from "../tmpl/page.js";
import { yamlCard, createCard } from "../tmpl/yamlcard.js";
import { startedWorkflows } from "../tmpl/started.js";
import { liveNotice } from "../workflow/livenotice.js";
import { specSummary, metaFacts } from "../tmpl/summary.js";
import {
  schedulesOf, scheduleWords, zoneText, nextRunCell, lastRunCell, suspendedBadge, cronFacts, conditionsTable,
  upcoming,
} from "../tmpl/cronsummary.js";

const KIND = KINDS.CronWorkflow;
const POLL_MS = 10_000;

/** When what a page shows of `crons` goes stale: the earliest next run (ms), or Infinity. */
function staleAt(crons, now = new Date()) {
  return Math.min(...crons.map((c) => upcoming(c, now, 1).runs[0]?.getTime() ?? Infinity));
}

/** What changed about `crons` since they were drawn (names and resourceVersions). */
const signature = (crons) => crons.map((c) => `${c.metadata.namespace}/${c.metadata.name}@${c.metadata.resourceVersion}`).join(",");

/** Router entry: list, detail or create page. */
export default function mount(root, { params, query }) {
  if (params.name === "new") return mountCreate(root, params);
  if (params.name) return mountDetail(root, params);
  return mountList(root, params, query || currentQuery());
}

function mountList(root, params, query) {
  const ns = listNamespace(params, query);
  if (ns) rememberNamespace(ns);
  document.title = `${KIND.title} · argoapp`;
  let nameFilter = query.get("name") || "";
  let items = null;
  let drawn = { signature: null, staleAt: Infinity };
  const body = h("div", { class: "tm-list-body" });
  const top = listTop(KIND, ns, nameFilter, (text) => {
    nameFilter = text;
    render();
  });
  root.append(...top.element, body);

  function render() {
    if (!items) return; // still loading: the filter applies when the list arrives
    clear(body);
    const shown = items.filter((c) => c.metadata.name.includes(nameFilter));
    drawn = { signature: signature(items), staleAt: staleAt(shown) };
    if (!shown.length) {
      body.append(top.empty(nameFilter));
      return;
    }
    const now = new Date();
    body.append(h("div", { class: "tm-scroll" }, h("table", { class: "table tm-table tm-cron-table" },
      h("thead", {}, h("tr", {}, ["Name", "Namespace", "Schedule", "Next run", "Last run", "State",
        "Policy", "Active"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, shown.map((c) => row(c, now))))));
  }

  function row(c, now) {
    const { name, namespace } = c.metadata;
    const schedules = schedulesOf(c);
    return h("tr", { dataset: { name } },
      h("td", {}, h("a", { href: KIND.route(namespace, name) }, name)),
      h("td", {}, namespace),
      h("td", { class: "tm-schedule" }, schedules.map((sched) => {
        const { text, error } = scheduleWords(sched);
        return h("div", { class: "tm-sched" }, h("code", {}, sched),
          h("div", { class: error ? "tm-bad" : "muted tm-describe" }, error ? `⚠ ${error}` : text));
      }), h("div", { class: "muted tm-zone" }, zoneText(c))),
      h("td", {}, nextRunCell(c, now)),
      h("td", {}, lastRunCell(c)),
      h("td", {}, suspendedBadge(c)),
      h("td", {}, (c.spec || {}).concurrencyPolicy || "Allow"),
      h("td", { class: "tm-num" }, String(((c.status || {}).active || []).length)));
  }

  async function load({ quiet = false } = {}) {
    if (!quiet) {
      clear(body);
      body.append(loading());
    }
    try {
      const fresh = (await get(KIND.api(ns))).items || [];
      // A quiet refresh redraws only on a change (or a next run passing), so focus stays put.
      if (quiet && signature(fresh) === drawn.signature && Date.now() < drawn.staleAt) return;
      items = fresh;
      render();
    } catch (err) {
      if (quiet && items) return; // a failed refresh keeps what is shown; the next one retries
      clear(body);
      body.append(errorBox(err, () => load()));
    }
  }
  load();
  const timer = setInterval(() => load({ quiet: true }), POLL_MS);
  return () => clearInterval(timer);
}

function mountDetail(root, params) {
  const { namespace: ns, name } = params;
  document.title = `${name} · ${KIND.title} · argoapp`;
  const path = itemPath(KIND, ns, name);
  const actions = h("div", { class: "toolbar" });
  const summary = h("section", { class: "card tm-summary", "aria-label": "Summary" });
  const conditions = h("section", { class: "card tm-conditions-card", "aria-label": "Conditions" });
  const problems = h("div", { class: "tm-problems", "aria-live": "polite" });
  let cron = null;
  let yaml = null;
  let started = null;
  let timer = null;
  let destroyed = false;
  let stale = Infinity;
  let failures = 0; // refreshes failed in a row: two say the page is stale
  const notice = liveNotice(() => refresh(), "Live updates paused — retrying…");

  function show(obj) {
    cron = obj;
    stale = staleAt([obj]);
    clear(summary);
    summary.append(h("div", { class: "tm-card-head" }, h("h2", {}, "Summary")),
      h("dl", { class: "tm-facts" }, cronFacts(obj), metaFacts(obj)),
      h("h3", {}, "Workflow spec"), specSummary((obj.spec || {}).workflowSpec));
    clear(conditions);
    conditions.append(h("div", { class: "tm-card-head" }, h("h2", {}, "Conditions")), conditionsTable(obj));
    renderActions();
    if (yaml) yaml.setObject(obj);
  }

  function renderActions() {
    // Suspend becomes Resume in the same place: keep the keyboard focus on that place.
    const focused = [...actions.children].indexOf(document.activeElement);
    clear(actions);
    const suspended = Boolean((cron.spec || {}).suspend);
    const submitHref = `/submit?kind=CronWorkflow&namespace=${encodeURIComponent(ns)}&name=${encodeURIComponent(name)}`;
    actions.append(
      suspended
        ? h("button", { class: "btn", type: "button", onclick: () => setSuspended(false), "aria-label": `Resume ${name}` }, "▶ Resume")
        : h("button", { class: "btn", type: "button", onclick: () => setSuspended(true), "aria-label": `Suspend ${name}` }, "‖ Suspend"),
      h("button", { class: "btn primary", type: "button", onclick: submitNow, "aria-label": `Submit ${name} now` }, "Submit now"),
      h("a", { class: "btn", href: submitHref, "aria-label": `Submit ${name} with parameters` }, "Submit…"),
      h("button", { class: "btn danger", type: "button", onclick: remove, "aria-label": `Delete ${name}` }, "Delete"));
    if (focused >= 0) actions.children[focused].focus();
  }

  async function act(fn) {
    clear(problems);
    try {
      await fn();
    } catch (err) {
      problems.append(errorBox(err, () => act(fn)));
    }
  }

  const setSuspended = (on) => act(async () => {
    show(await put(`${path}/${on ? "suspend" : "resume"}`, {}));
    toast(on ? `Suspended ${name}` : `Resumed ${name}`);
  });

  const submitNow = () => act(async () => {
    const wf = await post(`/api/v1/workflows/${encodeURIComponent(ns)}/submit`,
      { resourceKind: "cronwf", resourceName: name, submitOptions: {} });
    toast(`Submitted ${wf.metadata.name}`);
  });

  async function remove() {
    const ok = await confirmDialog(`Delete cron workflow ${name}? It stops scheduling runs.`, { confirm: "Delete", danger: true });
    if (ok) {
      await act(async () => {
        await del(path);
        toast(`Deleted ${name}`);
        navigate(KIND.route(ns));
      });
    }
  }

  async function load() {
    clear(root);
    root.append(pageHead(name), loading());
    try {
      const obj = await get(path);
      if (destroyed) return;
      clear(root);
      started = startedWorkflows({ namespace: ns, selector: `${KIND.label}=${name}`, title: "Workflows it started" });
      yaml = yamlCard(KIND, obj, { onSaved: show });
      show(obj);
      root.append(pageHead(name, actions), notice.el,
        h("p", { class: "muted tm-crumbs" }, h("a", { href: KIND.route(ns) }, KIND.title), ` / ${ns}`),
        problems,
        h("div", { class: "grid2 tm-detail" }, summary, h("div", { class: "tm-side" }, started.element, conditions)),
        yaml.element);
      timer = setInterval(refresh, POLL_MS);
    } catch (err) {
      if (destroyed) return;
      clear(root);
      root.append(pageHead(name), errorBox(err, load));
    }
  }

  async function refresh() {
    try {
      const obj = await get(path);
      const same = obj.metadata.resourceVersion === cron.metadata.resourceVersion;
      failures = 0;
      notice.hide();
      if (!destroyed && (!same || Date.now() >= stale)) show(obj);
    } catch (err) {
      // A failed refresh keeps what is shown and the next one tries again; one failure may be
      // a blip, two in a row mean what is shown may be out of date: say so.
      if (destroyed || ++failures < 2) return;
      notice.show(err);
    }
  }

  load();
  return () => {
    destroyed = true;
    clearInterval(timer);
    if (yaml) yaml.destroy();
    if (started) started.destroy();
  };
}

function mountCreate(root, params) {
  const ns = params.namespace || defaultNamespace();
  document.title = "New cron workflow · argoapp";
  const card = createCard(KIND, ns, starter(KIND, ns), {
    onCreated: (made) => navigate(KIND.route(made.metadata.namespace, made.metadata.name)),
  });
  root.append(pageHead("New cron workflow"),
    h("p", { class: "muted" }, "Write the CronWorkflow below; it is checked as you type and created with Create."),
    card.element);
  return () => card.destroy();
}
