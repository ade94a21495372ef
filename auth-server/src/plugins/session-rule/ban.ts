/**
 * What counts as a ban, for every reader and writer on the auth server.
 *
 * better-auth writes `banned` as a boolean, but the column is an INTEGER on SQLite and other
 * writers (an admin's `{"banned": 1}` or `"true"`, an operator's SQL) store what they like. A
 * reader that tests `banned === true` (or `= 1` in SQL) misses the rest and keeps a banned
 * user's sessions alive, so the rule is: anything but a recognisable "no" is a ban (fail closed).
 * The "no" spellings are PostgreSQL's boolean input forms for false (PostgreSQL documentation,
 * "Boolean Type"), so a value means the same in both databases.
 */
const FALSE_SPELLINGS = new Set(["", "0", "f", "false", "n", "no", "off"]);

/** True when a stored or submitted `banned` value means "banned" (see above). */
export function isBanFlagSet(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0) return false;
  if (typeof value === "string") return !FALSE_SPELLINGS.has(value.trim().toLowerCase());
  return true;
}

/** Milliseconds since the epoch of a stored date (Date, ISO text or epoch number); NaN if unreadable. */
export function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "string") return new Date(value).getTime();
  return Number.NaN;
}

/**
 * True while a ban is in force at `now` (ms): the flag is set and there is no end date, or the end
 * date is still ahead (better-auth admin plugin's rule). An end date that cannot be read keeps
 * the ban in force.
 */
export function isBanInForce(user: { banned?: unknown; banExpires?: unknown }, now: number): boolean {
  if (!isBanFlagSet(user.banned)) return false;
  if (user.banExpires === null || user.banExpires === undefined || user.banExpires === "") return true;
  const until = timeOf(user.banExpires);
  return Number.isNaN(until) || until > now;
}
