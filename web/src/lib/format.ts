const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "12 Mar 2026, 14:05" in the reader's locale; "—" for missing or unparseable input. */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? "—" : dateTime.format(d);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "in 2 days", "just now" (largest whole unit). */
export function formatRelative(value: string | Date, now: number = Date.now(), locale?: string): string {
  const t = (value instanceof Date ? value : new Date(value)).getTime();
  if (Number.isNaN(t)) return "—";
  const diffS = Math.round((t - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diffS) >= size) return rtf.format(Math.trunc(diffS / size), unit);
  }
  return "just now";
}

const WORD_UNITS: ReadonlyArray<readonly [name: string, seconds: number]> = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

/** "1 second", "2 seconds", "0 seconds": `count` and `unit`, plural unless exactly one (English). */
export function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/**
 * A duration as a sentence says it: the largest unit and, when not whole, the next one down
 * ("1 second", "2 minutes 5 seconds", "1 hour 30 minutes", "7 days"). Rounded up to a whole second
 * (a wait never reads shorter than it is); negative or non-finite values read "0 seconds". The
 * auth server words its messages by the same rule (auth-server/src/wording.ts).
 */
export function durationInWords(seconds: number): string {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 0;
  if (total === 0) return plural(0, "second");
  const index = WORD_UNITS.findIndex(([, size]) => total >= size);
  const [unit, size] = WORD_UNITS[index] as readonly [string, number];
  const whole = Math.floor(total / size);
  const rest = total - whole * size;
  const next = WORD_UNITS[index + 1];
  const second = next && rest >= next[1] ? ` ${plural(Math.floor(rest / next[1]), next[0])}` : "";
  return `${plural(whole, unit)}${second}`;
}
