// What the graph reads out of a workflow's `status.nodes` besides the layout: whether the shape
// changed since the last layout (so a live update only repaints), and which nodes a search
// finds, and what a node's tooltip says. Pure functions with no DOM, used by graph/view.js and
// graph/timeline.js.

import { duration, durationOf } from "../format.js";

/** The phase a node is shown with (a running Suspend node is Suspended, as Argo shows it). */
export function shownPhase(status) {
  if (!status) return "Pending";
  if (status.type === "Suspend" && status.phase === "Running") return "Suspended";
  return status.phase || "Pending";
}

/**
 * A short key of what the layout depends on: the node ids and their children (children only
 * ever grow, so their total changes whenever one is added) and the outbound nodes (the
 * workflow's exit handler hangs under the root's). The view also checks every id is known.
 * @param {Object<string, object>} statuses status.nodes
 */
export function shapeKey(statuses) {
  let count = 0;
  let kids = 0;
  let outbound = 0;
  for (const id in statuses) {
    const n = statuses[id];
    count++;
    kids += n.children ? n.children.length : 0;
    outbound += n.outboundNodes ? n.outboundNodes.length : 0;
  }
  return `${count}/${kids}/${outbound}`;
}

/**
 * Ids of the nodes whose display name, name, id or template holds `q` (lower case): exact
 * display names first, then those starting with it, then the rest, each in status order.
 * @param {Object<string, object>} statuses status.nodes
 * @param {string} q
 */
export function findNodes(statuses, q) {
  const ranked = [[], [], []];
  const holds = (t) => t && String(t).toLowerCase().includes(q);
  for (const id in statuses) {
    const n = statuses[id];
    const shown = String(n.displayName || "").toLowerCase();
    if (shown === q) ranked[0].push(id);
    else if (shown.startsWith(q)) ranked[1].push(id);
    else if ([shown, n.name, id, n.templateName].some(holds)) ranked[2].push(id);
  }
  return ranked.flat();
}

/**
 * A node's tooltip as lines of text: its name, then phase (in words), type and duration, then
 * its message if it has one. `n` is a laid-out node ({label, kind, type, count}) or a status.
 * @param {object} n
 * @param {object|undefined} status the node's NodeStatus
 */
export function tipLines(n, status) {
  if (n.kind === "more") return [n.label, `${n.count} steps hidden: click to show them all`];
  const parts = [shownPhase(status)];
  if (status?.type) parts.push(status.type);
  if (status?.startedAt) parts.push(duration(durationOf(status.startedAt, status.finishedAt)));
  const lines = [n.label || status?.displayName || status?.name || "", parts.join(" · ")];
  if (status?.message) lines.push(status.message);
  return lines;
}
