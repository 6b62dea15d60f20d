// What the cron pages show about one CronWorkflow's schedule and state: its schedules in words,
// the next run (js/cron.js, in the cron's time zone), the last run, suspended or not, and its
// status conditions. Used by pages/cron.js for the list rows and the detail summary. Schedule
// errors are shown as text next to the schedule, never thrown.

import { h } from "../dom.js";
import { timeAgo } from "../format.js";
import { parse, nextRuns, describe, CronError } from "../cron.js";
import { whenTime } from "./kinds.js";
import { fact } from "./summary.js";

/** The schedules of a cron workflow (`schedules`, or the old singular `schedule`). */
export function schedulesOf(cron) {
  const spec = cron.spec || {};
  if (spec.schedules && spec.schedules.length) return spec.schedules.map(String);
  return spec.schedule ? [String(spec.schedule)] : [];
}

/** The zone the schedules run in, in words. */
export function zoneText(cron) {
  const tz = (cron.spec || {}).timezone;
  return tz || `${Intl.DateTimeFormat().resolvedOptions().timeZone} (local)`;
}

/** One schedule in words, or its error. */
export function scheduleWords(schedule) {
  try {
    return { text: describe(schedule), error: null };
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    return { text: null, error: e.message };
  }
}

/**
 * The next `count` runs over every schedule of `cron` after `now`, soonest first, and the
 * errors of schedules that could not be read. `@every` counts from the last run (or creation).
 */
export function upcoming(cron, now = new Date(), count = 1) {
  const tz = (cron.spec || {}).timezone || "";
  const runs = [];
  const errors = [];
  for (const schedule of schedulesOf(cron)) {
    try {
      const spec = parse(schedule, tz);
      if (spec.kind === "every") runs.push(...everyRuns(spec, cron, now, count));
      else runs.push(...nextRuns(spec, tz, now, count));
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      errors.push(`${schedule}: ${e.message}`);
    }
  }
  runs.sort((a, b) => a - b);
  const unique = runs.filter((d, i) => i === 0 || d.getTime() !== runs[i - 1].getTime());
  return { runs: unique.slice(0, count), errors };
}

function everyRuns(spec, cron, now, count) {
  const status = cron.status || {};
  const base = Date.parse(status.lastScheduledTime || cron.metadata.creationTimestamp || now.toISOString());
  const step = spec.seconds * 1000;
  const behind = Math.max(0, Math.floor((now.getTime() - base) / step));
  return nextRuns(spec, "", new Date(base + behind * step), count);
}

/** The next run as a <time> ("in 4m", exact on hover), or why there is none. */
export function nextRunCell(cron, now = new Date()) {
  const { runs, errors } = upcoming(cron, now, 1);
  if (errors.length) return h("span", { class: "tm-bad", title: errors.join("\n") }, "⚠ invalid schedule");
  if (!runs.length) return h("span", { class: "muted" }, "never");
  const suspended = (cron.spec || {}).suspend;
  return h("span", { class: suspended ? "tm-next muted" : "tm-next" }, whenTime(runs[0]),
    suspended ? " (suspended)" : "");
}

/** The last run: status.lastScheduledTime. */
export function lastRunCell(cron) {
  const last = (cron.status || {}).lastScheduledTime;
  return last ? timeAgo(last) : h("span", { class: "muted" }, "never");
}

/** Suspended or active, by icon and text. */
export function suspendedBadge(cron) {
  const stopped = (cron.status || {}).phase === "Stopped";
  if ((cron.spec || {}).suspend) {
    return h("span", { class: "tm-state tm-suspended", title: "Suspended: no new runs" },
      h("span", { "aria-hidden": "true" }, "‖"), " Suspended");
  }
  if (stopped) {
    return h("span", { class: "tm-state tm-stopped", title: "Stopped by its stopStrategy" },
      h("span", { "aria-hidden": "true" }, "■"), " Stopped");
  }
  return h("span", { class: "tm-state tm-active", title: "Scheduling runs" },
    h("span", { "aria-hidden": "true" }, "▶"), " Active");
}

/** Each schedule with its words (or error). */
export function schedulesList(cron) {
  return h("ul", { class: "tm-schedules" }, schedulesOf(cron).map((s) => {
    const { text, error } = scheduleWords(s);
    return h("li", {}, h("code", {}, s), " ",
      error ? h("span", { class: "tm-bad", role: "note" }, `⚠ ${error}`) : h("span", { class: "tm-describe muted" }, `— ${text}`));
  }));
}

/** The summary facts of the detail page. */
export function cronFacts(cron) {
  const spec = cron.spec || {};
  const status = cron.status || {};
  const { runs, errors } = upcoming(cron, new Date(), 5);
  const active = status.active || [];
  return [
    fact("Schedules", schedulesList(cron)),
    fact("Time zone", zoneText(cron)),
    fact("State", suspendedBadge(cron)),
    fact("Next runs", errors.length ? h("span", { class: "tm-bad" }, errors.join("; "))
      : runs.length ? h("ol", { class: "tm-runs" }, runs.map((d) => h("li", {}, whenTime(d), h("span", { class: "muted" }, ` ${d.toLocaleString()}`))))
        : h("span", { class: "muted" }, "never")),
    fact("Last run", lastRunCell(cron)),
    fact("Concurrency policy", spec.concurrencyPolicy || "Allow"),
    fact("Starting deadline", spec.startingDeadlineSeconds !== undefined ? `${spec.startingDeadlineSeconds}s` : null),
    fact("History kept", `${spec.successfulJobsHistoryLimit ?? 3} succeeded, ${spec.failedJobsHistoryLimit ?? 1} failed`),
    fact("Active", active.length ? active.map((a) => h("a", { class: "tm-active-link", href: `/workflows/${a.namespace}/${a.name}` }, a.name)) : "0"),
    fact("Runs", `${status.succeeded ?? 0} succeeded, ${status.failed ?? 0} failed`),
  ];
}

/** The status conditions as a table. */
export function conditionsTable(cron) {
  const conditions = (cron.status || {}).conditions || [];
  if (!conditions.length) return h("p", { class: "muted" }, "No conditions.");
  return h("table", { class: "table tm-conditions" },
    h("thead", {}, h("tr", {}, ["Type", "Status", "Message", "Since"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, conditions.map((c) => h("tr", {},
      h("td", {}, c.type || ""), h("td", {}, String(c.status ?? "")), h("td", {}, c.message || ""),
      h("td", {}, c.lastTransitionTime ? timeAgo(c.lastTransitionTime) : "—")))));
}
