// Cron schedules in the browser, read as Argo's scheduler (robfig/cron's standard parser) reads
// them: the cron pages use `parse` to check a schedule, `nextRuns` to show when a CronWorkflow
// fires next and `describe` for a human sentence ("every 5 minutes"). Pure: no DOM, no fetch.
//
// Grammar: five fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists,
// ranges, steps and three-letter month/day names; an optional `CRON_TZ=`/`TZ=` prefix; or a
// descriptor (@yearly/@annually, @monthly, @weekly, @daily/@midnight, @hourly, @every <Go
// duration>). Argo has no seconds field, so six fields are refused as it refuses them.
// Day-of-month and day-of-week are ANDed when either starts with `*`/`?`, ORed otherwise.
//
// Time zones follow argoapp's controller (controller/cron_schedule.py): a five-field spec fires
// at every real instant whose wall-clock time in its zone matches, so a time skipped when clocks
// go forward does not fire that day, and one that happens twice when clocks go back fires twice.
// Wall times are handled as "fake UTC" milliseconds and converted with Intl.DateTimeFormat.

export { describe } from "./tmpl/cron_text.js";

/** A schedule Argo would refuse; `message` says why, in robfig/cron's words where it has them. */
export class CronError extends Error {
  constructor(message) {
    super(message);
    this.name = "CronError";
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SEARCH_YEARS = 5; // the controller (and robfig) give up after five years
const FOLD_HORIZON = 3 * HOUR; // a repeated wall-clock hour lasts at most this long

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
/** [minimum, maximum, names] of the five fields, as the server's CRON_FIELDS. */
export const FIELDS = [
  { name: "minute", low: 0, high: 59, names: {} },
  { name: "hour", low: 0, high: 23, names: {} },
  { name: "day of month", low: 1, high: 31, names: {} },
  { name: "month", low: 1, high: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { name: "day of week", low: 0, high: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];
export const DESCRIPTORS = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Seconds in a Go duration (`1h30m`, `90s`, `1.5h`); CronError when it is not one. */
export function goDuration(text) {
  const original = text;
  let sign = 1;
  if (text.startsWith("-") || text.startsWith("+")) {
    sign = text[0] === "-" ? -1 : 1;
    text = text.slice(1);
  }
  if (text === "0") return 0;
  const units = { ns: 1e-9, us: 1e-6, "µs": 1e-6, "μs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const part = /([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    part.lastIndex = pos;
    const m = part.exec(text);
    if (!m || m[1] === "" || m[1] === ".") throw new CronError(`time: invalid duration "${original}"`);
    total += Number(m[1]) * units[m[2]];
    pos = part.lastIndex;
  }
  if (!text) throw new CronError(`time: invalid duration "${original}"`);
  return sign * total;
}

function number(text, names, expr) {
  if (Object.hasOwn(names, text.toLowerCase())) return names[text.toLowerCase()];
  if (!/^[+-]?[0-9]+$/.test(text)) throw new CronError(`failed to parse int from ${text}: invalid syntax`);
  const n = Number(text);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

/** One comma-separated piece of a field: its values and whether it counts as `*`. */
function range(expr, { low, high, names }) {
  const rangeAndStep = expr.split("/");
  const bounds = rangeAndStep[0].split("-");
  const star = bounds[0] === "*" || bounds[0] === "?";
  let start;
  let end;
  if (star) {
    if (bounds.length > 1) throw new CronError(`too many hyphens: ${expr}`);
    [start, end] = [low, high];
  } else if (bounds.length <= 2) {
    start = number(bounds[0], names, expr);
    end = bounds.length === 2 ? number(bounds[1], names, expr) : start;
  } else {
    throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = number(rangeAndStep[1], names, expr);
    if (step <= 0) throw new CronError(`step of range should be a positive number: ${expr}`);
    if (bounds.length === 1 && !star) end = high; // `N/step` runs to the field's end
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < low) throw new CronError(`beginning of range (${start}) below minimum (${low}): ${expr}`);
  if (end > high) throw new CronError(`end of range (${end}) above maximum (${high}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  const values = [];
  for (let v = start; v <= end; v += step) values.push(v);
  return { values, star: star && step === 1 };
}

function field(text, spec) {
  const values = new Set();
  let star = false;
  for (const expr of text.split(",")) {
    const got = range(expr, spec);
    got.values.forEach((v) => values.add(v));
    star = star || got.star;
  }
  return { values: [...values].sort((a, b) => a - b), star };
}

/** The zone a schedule runs in: its CRON_TZ prefix, else the cron's timezone, else local. */
function zoneOf(name) {
  const zone = name || Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone === "Local") return Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    formatter(zone);
  } catch {
    throw new CronError(`unknown time zone ${zone}`);
  }
  return zone;
}

/**
 * Parse one schedule in `timezone` (IANA name; "" means the browser's zone, standing in for
 * the server's). Returns {kind: "every", seconds, text} or {kind: "cron", minutes, hours, days,
 * months, weekdays, anyDay, zone, fields, text}; throws CronError.
 */
export function parse(schedule, timezone = "") {
  let spec = String(schedule ?? "").trim();
  let zoneName = timezone;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const cut = spec.search(/\s/);
    const prefix = cut < 0 ? spec : spec.slice(0, cut);
    zoneName = prefix.slice(prefix.indexOf("=") + 1);
    spec = cut < 0 ? "" : spec.slice(cut).trim();
    zoneOf(zoneName);
  }
  if (!spec) throw new CronError("empty spec string");
  if (spec.startsWith("@every ")) {
    let seconds;
    try {
      seconds = goDuration(spec.slice(7).trim());
    } catch (e) {
      throw new CronError(`failed to parse duration ${spec}: ${e.message}`);
    }
    return { kind: "every", seconds: Math.max(1, Math.trunc(seconds)), text: spec };
  }
  const text = spec;
  if (spec.startsWith("@")) {
    if (!Object.hasOwn(DESCRIPTORS, spec)) throw new CronError(`unrecognized descriptor: ${spec}`);
    spec = DESCRIPTORS[spec];
  }
  const parts = spec.split(/\s+/);
  if (parts.length !== 5) {
    const hint = parts.length === 6 ? " (Argo's cron has no seconds field)" : "";
    throw new CronError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(" ")}]${hint}`);
  }
  const sets = parts.map((p, i) => field(p, FIELDS[i]));
  return {
    kind: "cron",
    text,
    fields: parts,
    minutes: sets[0].values,
    hours: sets[1].values,
    days: new Set(sets[2].values),
    months: new Set(sets[3].values),
    weekdays: new Set(sets[4].values),
    anyDay: sets[2].star || sets[4].star,
    zone: zoneOf(zoneName),
  };
}

/** The error message for a bad schedule, or null when Argo would accept it. */
export function check(schedule, timezone = "") {
  try {
    parse(schedule, timezone);
    return null;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

const formatters = new Map();
function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of instant `ms` in `zone`, as milliseconds of those fields read as UTC. */
export function wallOf(ms, zone) {
  const p = {};
  for (const { type, value } of formatter(zone).formatToParts(new Date(ms))) p[type] = value;
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
}

function offsetAt(ms, zone) {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallOf(whole, zone) - whole;
}

/** The real instants showing `wall` in `zone`: none in a gap, two in a fold, else one. */
function instants(wall, zone) {
  const found = [];
  for (const offset of new Set([offsetAt(wall - DAY, zone), offsetAt(wall + DAY, zone)])) {
    const instant = wall - offset;
    if (wallOf(instant, zone) === wall && !found.includes(instant)) found.push(instant);
  }
  return found.sort((a, b) => a - b);
}

function steady(instant, zone) {
  const offset = offsetAt(instant, zone);
  return offsetAt(instant - FOLD_HORIZON, zone) === offset && offsetAt(instant + FOLD_HORIZON, zone) === offset;
}

function dayMatches(spec, day) {
  const d = new Date(day);
  const dom = spec.days.has(d.getUTCDate());
  const dow = spec.weekdays.has(d.getUTCDay());
  return spec.anyDay ? dom && dow : dom || dow;
}

/** Matching wall-clock minutes from `start` on, in order; whole months are skipped at once. */
function* walls(spec, start) {
  let day = start - (start % DAY);
  const last = Date.UTC(new Date(start).getUTCFullYear() + SEARCH_YEARS, 11, 31);
  let first = true;
  while (day <= last) {
    const d = new Date(day);
    if (!spec.months.has(d.getUTCMonth() + 1)) {
      day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      first = false;
      continue;
    }
    if (dayMatches(spec, day)) {
      for (const hour of spec.hours) {
        for (const minute of spec.minutes) {
          const wall = day + hour * HOUR + minute * MINUTE;
          if (!first || wall >= start) yield wall;
        }
      }
    }
    first = false;
    day += DAY;
  }
}

/** The first firing of a parsed five-field spec strictly after instant `after` (ms), or null. */
function nextCron(spec, after) {
  let start = wallOf(after, spec.zone);
  start -= start % MINUTE;
  if (!steady(after, spec.zone)) start -= FOLD_HORIZON; // a later instant may repeat an earlier wall
  let best = null;
  let horizon = null;
  for (const wall of walls(spec, start)) {
    if (horizon !== null && wall > horizon) break;
    for (const instant of instants(wall, spec.zone)) {
      if (instant > after && (best === null || instant < best)) {
        if (horizon === null && steady(instant, spec.zone)) return instant;
        best = instant;
        horizon ??= wall + FOLD_HORIZON;
      }
    }
  }
  return best;
}

/**
 * The next `count` firings of `schedule` after `from`, as Dates, in `timezone` (a CronWorkflow's
 * `spec.timezone`). `@every` counts from `from` (pass the last run to follow its phase).
 * Throws CronError for a bad schedule; fewer than `count` when it stops firing within 5 years.
 */
export function nextRuns(schedule, timezone = "", from = new Date(), count = 5) {
  const spec = typeof schedule === "object" ? schedule : parse(schedule, timezone);
  const runs = [];
  let at = new Date(from).getTime();
  while (runs.length < count) {
    const next = spec.kind === "every" ? Math.floor(at / 1000) * 1000 + spec.seconds * 1000 : nextCron(spec, at);
    if (next === null) break;
    runs.push(new Date(next));
    at = next;
  }
  return runs;
}
