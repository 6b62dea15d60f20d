// What the workflow page reads out of a Workflow object: whether it has finished, the template
// a node ran, the containers of its pod, its pod name (Argo's naming rules), its retry attempts,
// where its artifacts download from. Pure functions over the wire JSON, no DOM and no fetches,
// used by pages/workflow.js and the other workflow/*.js modules.

const FINISHED = new Set(["Succeeded", "Failed", "Error"]);
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MAX_NAME = 253;
const HASH_ROOM = 11; // "-" and up to ten decimal digits

/** Whether the workflow has completed (nothing more will change without an action). */
export function isFinished(wf) {
  const labels = wf?.metadata?.labels || {};
  if (labels["workflows.argoproj.io/completed"] === "true") return true;
  return FINISHED.has(wf?.status?.phase);
}

/** Whether a phase is a completed one. */
export function phaseFinished(phase) {
  return FINISHED.has(phase) || phase === "Skipped" || phase === "Omitted";
}

/** The phase to show for a node: a running Suspend node shows as Suspended. */
export function nodePhase(node) {
  if (node?.type === "Suspend" && node.phase === "Running") return "Suspended";
  return node?.phase || "Pending";
}

/** Whether the workflow waits on something a resume would release. */
export function isSuspended(wf) {
  if (isFinished(wf)) return false;
  if (wf?.spec?.suspend) return true;
  return Object.values(wf?.status?.nodes || {}).some(
    (n) => n.type === "Suspend" && n.phase === "Running",
  );
}

/** 32-bit FNV-1a over the UTF-8 bytes of `text` (Argo hashes node names with it). */
export function fnv32a(text) {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** The pod a node ran in: node.podName when the status has it, else Argo's naming rules
 *  (format v1: the node id; v2, the default: `<workflow>-<template>-<hash of node name>`). */
export function podName(wf, node) {
  if (!node) return "";
  if (node.podName) return node.podName;
  if (node.type === "Container") return podName(wf, parentOf(wf, node));
  if (node.type !== "Pod") return "";
  const wfName = wf.metadata.name;
  const format = wf.metadata.annotations?.["workflows.argoproj.io/pod-name-format"];
  if (format === "v1") return node.id;
  if (node.name === wfName) return wfName;
  const template = node.templateRef?.template || node.templateName || "";
  let prefix = template ? `${wfName}-${template}` : wfName;
  prefix = prefix.slice(0, MAX_NAME - HASH_ROOM);
  return `${prefix}-${fnv32a(node.name)}`;
}

/** The node whose children include `node` (a container set's pod node for its containers). */
export function parentOf(wf, node) {
  for (const n of Object.values(wf.status?.nodes || {})) {
    if ((n.children || []).includes(node.id)) return n;
  }
  return null;
}

/** The template a node ran, looked up in the workflow (stored templates for references). */
export function templateOf(wf, node) {
  if (!node) return null;
  const status = wf.status || {};
  const stored = status.storedTemplates || {};
  const ref = node.templateRef;
  if (ref) {
    const scope = ref.clusterScope ? "cluster" : "namespaced";
    return stored[`${scope}/${ref.name}/${ref.template}`] || null;
  }
  const name = node.templateName;
  if (!name) return null;
  const pools = [wf.spec?.templates, status.storedWorkflowTemplateSpec?.templates];
  for (const pool of pools) {
    const found = (pool || []).find((t) => t.name === name);
    if (found) return found;
  }
  return stored[`namespaced//${name}`] || null;
}

/** The containers of a node's pod that have logs: main (or a container set's), the executor's
 *  init and wait, and the template's sidecars. */
export function containersOf(wf, node) {
  const tmpl = templateOf(wf, node);
  const names = [];
  const set = tmpl?.containerSet?.containers;
  if (set?.length) names.push(...set.map((c) => c.name));
  else names.push("main");
  names.push("init", "wait");
  for (const s of tmpl?.sidecars || []) if (s.name) names.push(s.name);
  if (node?.type === "Container") return [node.displayName || "main", "init", "wait"];
  return [...new Set(names)];
}

/** The attempts of a Retry node (its children, oldest first). */
export function attemptsOf(wf, node) {
  if (node?.type !== "Retry") return [];
  const nodes = wf.status?.nodes || {};
  return (node.children || []).map((id) => nodes[id]).filter(Boolean);
}

/** Whether a node ran in a pod (so has logs and events). */
export function hasPod(node) {
  return node?.type === "Pod" || node?.type === "Container";
}

/** The path of an artifact's download (`/artifact-files/…`); archived workflows go by uid. */
export function artifactPath(wf, nodeId, direction, artifactName, archived) {
  const ns = encodeURIComponent(wf.metadata.namespace);
  const which = archived
    ? `archived-workflows/${encodeURIComponent(wf.metadata.uid)}`
    : `workflows/${encodeURIComponent(wf.metadata.name)}`;
  const rest = [nodeId, direction, artifactName].map(encodeURIComponent).join("/");
  return `/artifact-files/${ns}/${which}/${rest}`;
}

/** Every output artifact of every node, for the summary: [{node, artifact}]. */
export function outputArtifacts(wf, limit = 500) {
  const found = [];
  for (const node of Object.values(wf.status?.nodes || {})) {
    for (const art of node.outputs?.artifacts || []) {
      found.push({ node, artifact: art });
      if (found.length >= limit) return found;
    }
  }
  return found.sort((a, b) => String(a.node.startedAt).localeCompare(String(b.node.startedAt)));
}

/** A node's own name to show (its display name, else the last part of its name). */
export function nodeLabel(node) {
  return node?.displayName || node?.name || node?.id || "";
}

/** Seconds of a resourcesDuration map as text ("cpu 3s, memory 5s"). */
export function resourcesText(rd) {
  if (!rd) return "";
  return Object.entries(rd)
    .map(([k, v]) => `${k} ${v}s`)
    .join(", ");
}

/** The workflow template a workflow came from: {kind, name} or null. */
export function sourceTemplate(wf) {
  const labels = wf.metadata?.labels || {};
  const ref = wf.spec?.workflowTemplateRef;
  if (ref?.name) {
    const kind = ref.clusterScope ? "ClusterWorkflowTemplate" : "WorkflowTemplate";
    return { kind, name: ref.name };
  }
  if (labels["workflows.argoproj.io/workflow-template"]) {
    return { kind: "WorkflowTemplate", name: labels["workflows.argoproj.io/workflow-template"] };
  }
  if (labels["workflows.argoproj.io/cluster-workflow-template"]) {
    const name = labels["workflows.argoproj.io/cluster-workflow-template"];
    return { kind: "ClusterWorkflowTemplate", name };
  }
  if (labels["workflows.argoproj.io/cron-workflow"]) {
    return { kind: "CronWorkflow", name: labels["workflows.argoproj.io/cron-workflow"] };
  }
  return null;
}

/** The UI link of a template a workflow came from. */
export function sourceTemplateLink(wf, src) {
  const ns = encodeURIComponent(wf.metadata.namespace);
  const name = encodeURIComponent(src.name);
  if (src.kind === "ClusterWorkflowTemplate") return `/cluster-workflow-templates/${name}`;
  if (src.kind === "CronWorkflow") return `/cron-workflows/${ns}/${name}`;
  return `/workflow-templates/${ns}/${name}`;
}
