/**
 * Where to go after signing in. Only same-site paths are honoured: `?next=https://evil.example`
 * or `//evil.example` must not turn the sign-in page into an open redirect.
 */
export function safeNext(next: string | null | undefined, fallback = "/tasks"): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (/^\/(sign-in|sign-up)\b/.test(next)) return fallback;
  return next;
}
