// The workflow page: `/workflows/:namespace/:name`, and `/archived-workflows/:namespace/:uid`
// (read from the archive, so no live updates and only the archive's actions). It loads the
// workflow, then follows `/api/v1/workflow-events/{ns}` for that name until the workflow
// completes, feeding every version to the header, the active tab and the node panel (coalesced
// to one redraw per frame). Tabs (`?tab=graph|timeline|yaml|summary`) and the selected node
// (`&node=<id>`, `&panel=<view>`) are kept in the URL so they deep-link. Esc closes the node
// panel and gives focus back to the view. The router calls the returned cleanup on leaving,
// which closes every stream and timer. The pieces live in js/workflow/*.js and js/graph/*.js.

import { h, clear } from "../dom.js";
import { get, stream } from "../api.js";
import { navigate, currentQuery, setQuery } from "../router.js";
import { errorBox, loading, tabs } from "../components.js";
import { GraphView } from "../graph/view.js";
import { WorkflowHeader } from "../workflow/header.js";
import { NodePanel } from "../workflow/nodepanel.js";
import { summaryTab } from "../workflow/summary.js";
import { isFinished } from "../workflow/model.js";
import { panelSplitter } from "../workflow/splitter.js";
import { liveNotice } from "../workflow/livenotice.js";

const TABS = [
  { id: "graph", label: "Graph" },
  { id: "timeline", label: "Timeline" },
  { id: "summary", label: "Summary" },
  { id: "yaml", label: "YAML" },
];

/** Mount the page; returns its cleanup. */
export default function mount(root, { params }) {
  const page = new WorkflowPage(root, params);
  page.load();
  return () => page.destroy();
}

class WorkflowPage {
  constructor(root, params) {
    this.root = root;
    this.namespace = params.namespace;
    this.name = params.name || "";
    this.uid = params.uid || "";
    this.archived = !!params.uid;
    const q = currentQuery();
    this.tab = TABS.some((t) => t.id === q.get("tab")) ? q.get("tab") : "graph";
    this.nodeId = q.get("node") || null;
    this.panelView = q.get("panel") || "summary";
    this.wf = null;
    this.view = null; // {setWorkflow?, select?, destroy} of the active tab
    this.viewGeneration = 0;
    this.closeWatch = null;
    this.frame = 0;
    this.next = null;
    this.onKey = (ev) => this.key(ev);
    document.addEventListener("keydown", this.onKey);
    document.title = `${this.name || "Archived workflow"} · argoapp`;
  }

  async load() {
    clear(this.root).append(loading("Loading workflow…"));
    let wf;
    try {
      wf = await this.fetch();
    } catch (err) {
      if (this.destroyed) return;
      if (err.status === 404) this.notFound();
      else clear(this.root).append(errorBox(err, () => this.load()));
      return;
    }
    if (this.destroyed) return;
    this.build();
    this.apply(wf);
    this.watch();
  }

  fetch() {
    const ns = encodeURIComponent(this.namespace);
    if (this.archived) {
      const path = `/api/v1/archived-workflows/${encodeURIComponent(this.uid)}`;
      return get(path, { namespace: this.namespace });
    }
    return get(`/api/v1/workflows/${ns}/${encodeURIComponent(this.name)}`);
  }

  notFound() {
    const back = `/workflows/${encodeURIComponent(this.namespace)}`;
    const text = this.archived
      ? `There is no archived workflow with uid ${this.uid}: it may have been deleted.`
      : `There is no workflow ${this.namespace}/${this.name}: it may have been deleted or archived.`;
    document.title = "Workflow not found · argoapp";
    clear(this.root).append(
      h(
        "div",
        { class: "wf-notfound" },
        h("div", { class: "page-head" }, h("h1", {}, "Workflow not found")),
        h("p", {}, text),
        h("p", {}, h("a", { href: back }, `← Back to the workflows of ${this.namespace}`)),
      ),
    );
  }

  /** The page's frame: header, tabs, the view and the panel beside it. */
  build() {
    clear(this.root);
    const head = h("div");
    this.banner = h("div", { class: "wf-banner", "aria-live": "polite", hidden: true });
    this.live = liveNotice(() => this.reconnect());
    this.viewHost = h("div", { class: "wf-view" });
    const panelHost = h("div", { class: "wf-panel-host" });
    this.main = h("div", { class: "wf-main" });
    this.splitter = panelSplitter(this.main);
    this.main.append(this.viewHost, this.splitter.el, panelHost);
    this.header = new WorkflowHeader(head, {
      archived: this.archived,
      onAction: (kind, wf) => this.actionDone(kind, wf),
      onLogs: () => this.openPanel(null, "logs"),
    });
    this.panel = new NodePanel(panelHost, {
      onClose: () => this.closePanel(),
      onSelect: (id) => this.select(id),
      onView: (view) => {
        this.panelView = view;
        setQuery({ panel: view });
      },
    });
    const tabBar = tabs(TABS, this.tab, (id) => this.switchTab(id));
    this.root.append(
      h(
        "div",
        { class: "wf-page" },
        head,
        this.banner,
        this.live.el,
        tabBar,
        this.main,
      ),
    );
  }

  /** Take a new version of the workflow (at most one redraw per frame). */
  apply(wf) {
    this.next = wf;
    if (this.wf === null) {
      this.draw();
      return;
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.frame = 0;
    const first = this.wf === null;
    const wf = this.next;
    if (!wf) return;
    this.next = null;
    this.wf = wf;
    if (this.archived) this.name = wf.metadata.name;
    document.title = `${wf.metadata.name} · argoapp`;
    this.header.update(wf);
    if (first) this.drawView();
    else if (this.view?.setWorkflow) this.view.setWorkflow(wf);
    if (first && this.nodeId) this.openPanel(this.nodeId, this.panelView);
    else this.panel.update(wf);
  }

  /** Follow the workflow until it completes (live workflows only). */
  watch(wf = this.wf) {
    this.stopWatch();
    if (this.archived || isFinished(wf)) return;
    const query = { "listOptions.fieldSelector": `metadata.name=${this.name}` };
    this.closeWatch = stream(
      `/api/v1/workflow-events/${encodeURIComponent(this.namespace)}`,
      query,
      (event) => this.event(event),
      {
        onError: (err) => this.live.show(err),
        onOpen: () => this.live.hide(),
        onReopen: () => this.catchUp(),
      },
    );
  }

  /** After the stream was down: GET the workflow once for what its events missed. */
  async catchUp() {
    let wf;
    try {
      wf = await this.fetch();
    } catch (err) {
      if (!this.destroyed && err.status !== 404) this.live.show(err);
      return; // the stream itself reports a deletion
    }
    if (this.destroyed || !this.closeWatch) return;
    const shown = this.next || this.wf;
    if (Number(wf.metadata.resourceVersion) < Number(shown?.metadata?.resourceVersion)) return;
    this.apply(wf);
    if (isFinished(wf)) this.stopWatch();
  }

  /** Retry now (the notice's button): a new stream and a fresh copy of the workflow. */
  reconnect() {
    if (this.archived || this.destroyed) return;
    this.watch();
    this.catchUp();
  }

  event(event) {
    if (!event?.object) return;
    if (event.type === "DELETED") {
      this.stopWatch();
      this.showBanner("This workflow has been deleted.");
      return;
    }
    this.apply(event.object);
    if (isFinished(event.object)) this.stopWatch();
  }

  stopWatch() {
    if (this.closeWatch) this.closeWatch();
    this.closeWatch = null;
    this.live?.hide();
  }

  showBanner(text) {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }

  switchTab(id) {
    this.tab = id;
    setQuery({ tab: id });
    this.drawView();
  }

  /** Draw the active tab. The timeline and the YAML tab load their modules on first use. */
  async drawView() {
    const mine = ++this.viewGeneration;
    let make;
    try {
      make = await this.viewMaker(this.tab);
    } catch (err) {
      if (mine !== this.viewGeneration) return;
      clear(this.viewHost).append(errorBox(err, () => this.drawView()));
      return;
    }
    if (mine !== this.viewGeneration || this.destroyed) return;
    if (this.view) this.view.destroy();
    clear(this.viewHost);
    this.view = make();
  }

  /** A function drawing `tab` into the view host, once its module is loaded. */
  async viewMaker(tab) {
    const onSelect = (id) => this.select(id);
    if (tab === "graph" || tab === "timeline") {
      const View =
        tab === "graph" ? GraphView : (await import("../graph/timeline.js")).TimelineView;
      return () => {
        const host = h("div", { class: "wf-canvas" });
        this.viewHost.append(host);
        const view = new View(host, { onSelect });
        view.setWorkflow(this.wf);
        if (this.nodeId) view.select(this.nodeId);
        return view;
      };
    }
    const draw = tab === "yaml"
      ? (await import("../workflow/yamltab.js")).yamlTab
      : (wf) => summaryTab(wf, { archived: this.archived });
    return () => {
      const made = draw(this.wf);
      this.viewHost.append(made.el);
      return made;
    };
  }

  /** Select a node (from the view or a link in the panel); null closes the panel. */
  select(id) {
    if (!id) {
      this.closePanel();
      return;
    }
    if (this.view?.select) this.view.select(id);
    this.openPanel(id, this.panel.isOpen && this.panel.nodeId ? this.panel.view : this.panelView);
  }

  openPanel(id, view) {
    this.nodeId = id;
    this.main.classList.add("wf-has-panel"); // first: the panel takes focus, so it must show
    this.panel.show(this.wf, id, { archived: this.archived, view });
    this.panelView = this.panel.view;
    setQuery({ node: id, panel: id ? this.panel.view : null });
  }

  closePanel() {
    this.panel.close();
    this.main.classList.remove("wf-has-panel");
    this.nodeId = null;
    setQuery({ node: null, panel: null });
    const target = this.viewHost.querySelector("canvas, [tabindex]");
    if (target) target.focus();
  }

  key(ev) {
    if (ev.key !== "Escape" || !this.panel?.isOpen) return;
    if (document.querySelector("dialog[open]")) return; // Esc belongs to the dialog
    ev.preventDefault();
    this.closePanel();
  }

  /** What an action did: show the change, or go where it leads. */
  actionDone(kind, wf) {
    if (kind === "deleted") {
      navigate(`/workflows/${encodeURIComponent(this.namespace)}`);
    } else if (kind === "created") {
      const { namespace, name } = wf.metadata;
      navigate(`/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
    } else if (wf?.metadata) {
      this.apply(wf);
      if (!this.closeWatch && !isFinished(wf)) this.watch(wf); // a retry runs it again
    }
  }

  destroy() {
    this.destroyed = true;
    document.removeEventListener("keydown", this.onKey);
    this.stopWatch();
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.view) this.view.destroy();
    this.panel?.close();
    this.header?.destroy();
  }
}
