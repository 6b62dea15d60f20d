// Workflows list: bulk actions on the selected rows. Each action is confirmed (destructive ones
// as danger), then applied to every workflow on its own, a few at a time, so one failure does
// not stop the others; the result lists each failure by name. Archived workflows: delete goes
// to the live object (when there still is one) and to the archive by uid; retry and resubmit
// fall back to the archive's routes when the live object is gone. Used by pages/workflows.js,
// which draws the toolbar buttons and the result.

import { ApiError, del, put } from "../api.js";
import { isArchived } from "./query.js";

const AT_ONCE = 6; // requests in flight at once: fast, without flooding a small server

/** The bulk actions, in toolbar order. */
export const ACTIONS = [
  { id: "resubmit", label: "Resubmit", done: "resubmitted" },
  { id: "retry", label: "Retry", done: "retried" },
  { id: "suspend", label: "Suspend", done: "suspended" },
  { id: "resume", label: "Resume", done: "resumed" },
  { id: "stop", label: "Stop", done: "stopped", danger: true },
  { id: "terminate", label: "Terminate", done: "terminated", danger: true },
  { id: "delete", label: "Delete", done: "deleted", danger: true },
];

/** The confirmation question for an action on `count` workflows. */
export function question(action, count) {
  const what = count === 1 ? "this workflow" : `these ${count} workflows`;
  const warn = {
    delete: " This cannot be undone.",
    terminate: " Running steps are killed and exit handlers do not run.",
    stop: " Running steps are killed; exit handlers still run.",
  };
  return `${action.label} ${what}?${warn[action.id] || ""}`;
}

/**
 * Apply `action` to each workflow; resolves to {done: wf[], failed: [{wf, message}]}.
 * @param {{id: string}} action
 * @param {object[]} workflows
 */
export async function applyAll(action, workflows) {
  const done = [];
  const failed = [];
  let next = 0;
  async function worker() {
    while (next < workflows.length) {
      const wf = workflows[next++];
      try {
        await applyOne(action.id, wf);
        done.push(wf);
      } catch (err) {
        failed.push({ wf, message: err?.message || String(err) });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, workflows.length) }, worker));
  return { done, failed };
}

async function applyOne(id, wf) {
  const { namespace, name, uid } = wf.metadata;
  const live = `/api/v1/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  const archived = `/api/v1/archived-workflows/${encodeURIComponent(uid)}`;
  if (id === "delete") return remove(wf, live, archived);
  const body = { namespace, name };
  if (id === "resubmit") body.memoized = false;
  if ((id === "retry" || id === "resubmit") && isArchived(wf)) {
    try {
      return await put(`${live}/${id}`, body);
    } catch (err) {
      if (!notFound(err)) throw err;
      return put(`${archived}/${id}`, { uid, ...body });
    }
  }
  return put(`${live}/${id}`, body);
}

/** Delete the live object, and the archived copy of an archived one; gone already is fine
 * for either as long as one of them was there. */
async function remove(wf, live, archived) {
  if (!isArchived(wf)) return del(live);
  let found = false;
  for (const [path, query] of [
    [live, {}],
    [archived, { namespace: wf.metadata.namespace, name: wf.metadata.name }],
  ]) {
    try {
      await del(path, query);
      found = true;
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }
  if (!found) throw new Error(`workflow ${wf.metadata.name} not found`);
  return undefined;
}

function notFound(err) {
  return err instanceof ApiError && err.status === 404;
}
