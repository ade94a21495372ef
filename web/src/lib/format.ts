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
