// A cron schedule in words ("every 5 minutes", "at 09:30 on Monday through Friday"), for the
// cron workflow pages. js/cron.js re-exports `describe`; the grammar and its errors are
// cron.js's (this module parses through it and only words the fields). Pure: no DOM.

import { DESCRIPTORS, FIELDS, parse } from "../cron.js";

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const WORDS = {
  "@yearly": "every year on January 1 at 00:00",
  "@annually": "every year on January 1 at 00:00",
  "@monthly": "every month on day 1 at 00:00",
  "@weekly": "every week on Sunday at 00:00",
  "@daily": "every day at 00:00",
  "@midnight": "every day at 00:00",
  "@hourly": "every hour",
};

const pad = (n) => String(n).padStart(2, "0");

/** Seconds as Go-ish words: 5400 -> "1 hour 30 minutes". */
function spanWords(seconds) {
  const parts = [];
  for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]]) {
    const n = Math.floor(seconds / size);
    if (n > 0) parts.push(n === 1 ? `1 ${unit}` : `${n} ${unit}s`);
    seconds -= n * size;
  }
  return parts.join(" ") || "1 second";
}

function listWords(items) {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** One comma piece of a field in words, with `name` naming its values. */
function pieceWords(expr, spec, name) {
  const [rangeText, stepText] = expr.split("/");
  const value = (t) => name(Object.hasOwn(spec.names, t.toLowerCase()) ? spec.names[t.toLowerCase()] : Number(t));
  let words;
  if (rangeText === "*" || rangeText === "?") words = "";
  else if (rangeText.includes("-")) {
    const [a, b] = rangeText.split("-");
    words = `${value(a)} through ${value(b)}`;
  } else words = value(rangeText);
  if (stepText === undefined) return words;
  const from = words && !rangeText.includes("-") ? ` from ${words}` : words ? ` of ${words}` : "";
  return `every ${stepText}${ordinal(Number(stepText))} ${spec.name}${from}`.replace(/ +/g, " ");
}

function ordinal(n) {
  if (n % 100 >= 11 && n % 100 <= 13) return "th";
  return { 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th";
}

function fieldWords(text, index, name) {
  return listWords(text.split(",").map((p) => pieceWords(p, FIELDS[index], name)));
}

const isStar = (t) => t === "*" || t === "?";
const single = (t) => /^[0-9]+$/.test(t);
const everyN = (t) => /^[*?]\/[0-9]+$/.test(t);

/** The time-of-day part. */
function timeWords(minute, hour, spec) {
  if (isStar(minute) && isStar(hour)) return "every minute";
  if (everyN(minute) && isStar(hour)) return `every ${spanWords(60 * Number(minute.slice(2)))}`.replace("every 1 minute", "every minute");
  if (single(minute) && isStar(hour)) return Number(minute) === 0 ? "every hour" : `every hour at minute ${Number(minute)}`;
  if (single(minute) && everyN(hour)) {
    const n = Number(hour.slice(2));
    return `every ${n === 1 ? "hour" : `${n} hours`} at minute ${Number(minute)}`;
  }
  if (spec.minutes.length * spec.hours.length <= 6 && !isStar(hour) && !isStar(minute)) {
    const times = spec.hours.flatMap((h) => spec.minutes.map((m) => `${pad(h)}:${pad(m)}`));
    return `at ${listWords(times)}`;
  }
  let minutes = `at minute ${fieldWords(minute, 0, String)}`;
  if (isStar(minute)) minutes = "every minute";
  else if (everyN(minute)) minutes = `every ${minute.slice(2)} minutes`;
  const hourList = fieldWords(hour, 1, String);
  const hours = isStar(hour) ? "" : ` ${everyN(minute) || isStar(minute) ? "during" : "past"} ${hourList.startsWith("every") ? "" : "hour "}${hourList}`;
  return minutes + hours;
}

/** The day part ("" for every day). */
function dayWords(dom, month, dow) {
  const parts = [];
  const domList = fieldWords(dom, 2, String);
  const domWords = isStar(dom) ? "" : domList.startsWith("every") ? domList : `day ${domList} of the month`;
  const dowWords = isStar(dow) ? "" : fieldWords(dow, 4, (d) => DAY_NAMES[d % 7]);
  if (domWords && dowWords) parts.push(`on ${domWords} or on ${dowWords}`);
  else if (domWords || dowWords) parts.push(`on ${domWords || dowWords}`);
  if (!isStar(month)) parts.push(`in ${fieldWords(month, 3, (m) => MONTH_NAMES[m - 1] ?? m)}`);
  return parts.join(" ");
}

/**
 * A schedule in English ("every 5 minutes"); the zone (CRON_TZ prefix) is not worded. Throws
 * CronError for a schedule Argo would refuse.
 */
export function describe(schedule) {
  const spec = parse(schedule, "UTC");
  if (spec.kind === "every") return `every ${spanWords(spec.seconds)}`;
  if (Object.hasOwn(WORDS, spec.text)) return WORDS[spec.text];
  const text = Object.hasOwn(DESCRIPTORS, spec.text) ? DESCRIPTORS[spec.text] : spec.text;
  const [minute, hour, dom, month, dow] = text.split(/\s+/);
  const time = timeWords(minute, hour, spec);
  const days = dayWords(dom, month, dow);
  if (!days) return /^at \d\d:\d\d/.test(time) ? `every day ${time}` : time;
  return `${time} ${days}`;
}

