/**
 * How Gatehouse words counts and waits in messages people read ("Try again in 1 second", "valid for 7
 * days"), for both TypeScript sides: the auth server's messages and e-mails, and the web app's. English
 * plurals only: every message either side writes is English.
 */

const UNITS: ReadonlyArray<readonly [name: string, seconds: number]> = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

/** "1 second", "2 seconds", "0 seconds": `count` followed by `unit`, plural unless exactly one. */
export function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/**
 * A duration as a sentence says it: the largest unit and, when not whole, the next one down
 * ("1 second", "45 seconds", "2 minutes 5 seconds", "1 hour 30 minutes", "7 days"). `seconds` is
 * rounded up to a whole second (a wait must never read shorter than it is); negative or non-finite
 * values read as "0 seconds".
 */
export function durationInWords(seconds: number): string {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 0;
  if (total === 0) return plural(0, "second");
  const index = UNITS.findIndex(([, size]) => total >= size);
  const [unit, size] = UNITS[index] as readonly [string, number];
  const whole = Math.floor(total / size);
  const rest = total - whole * size;
  const next = UNITS[index + 1];
  // Two parts at most: "2 days 3 hours" is precise enough, "2 days 3 hours 4 minutes" is noise.
  const second = next && rest >= next[1] ? ` ${plural(Math.floor(rest / next[1]), next[0])}` : "";
  return `${plural(whole, unit)}${second}`;
}
