/**
 * First and last characters of a session token: enough to match it with what a client holds,
 * far too little to use it (the full token is 32 random characters).
 */
export function tokenExcerpt(token: string): string {
  return token.length <= 8 ? "…" : `${token.slice(0, 4)}…${token.slice(-2)}`;
}
