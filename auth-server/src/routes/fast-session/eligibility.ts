import type { AuthContext } from "better-auth";

/**
 * Hooks the fast get-session may stand in for, by plugin id, and why its answer stays the same:
 * - gatehouse-session-rule: hands endpoints the rule-guarded adapter; the fast path applies the
 *   same rule (plugins/session-rule) and leaves every refusal (and its revocation) to better-auth;
 * - bearer: turns `Authorization: Bearer` into the session cookie (credential.ts reads it the
 *   same way) and adds `set-auth-token` only when the answer sets a session cookie (a refresh,
 *   which the fast path leaves to better-auth);
 * - gatehouse-contract-codes: rewrites error codes; the fast path answers no errors;
 * - jwt: signs a `set-auth-jwt` header, so only when `disableSettingJwtHeader` is on;
 * - gatehouse-session-activity: notes the use of the session, so only when the fast path is
 *   given `onSessionUsed` to note it the same way;
 * - gatehouse-user-fields: checks request bodies (UTF-8, lone surrogates, user fields); a GET
 *   /get-session has no body, so it never changes that answer (its raw-request check included).
 */
const STAND_IN: Record<string, (ctx: EligibilityInput) => boolean> = {
  "gatehouse-session-rule": () => true,
  bearer: () => true,
  "gatehouse-contract-codes": () => true,
  jwt: (ctx) => Boolean(pluginOptions(ctx.auth, "jwt")?.disableSettingJwtHeader),
  "gatehouse-session-activity": (ctx) => ctx.notesSessionUse,
  "gatehouse-user-fields": () => true,
};

interface EligibilityInput {
  auth: AuthContext;
  /** The fast path reports each session it answers for (session activity). */
  notesSessionUse: boolean;
}

type HookList = Array<{ matcher: (ctx: unknown) => boolean }>;

/** A plugin's options object, as the plugin keeps it (`plugin.options`). */
export function pluginOptions(auth: AuthContext, id: string): Record<string, unknown> | undefined {
  const plugin = auth.options.plugins?.find((p) => p.id === id) as { options?: Record<string, unknown> } | undefined;
  return plugin ? (plugin.options ?? {}) : undefined;
}

/** A request context as better-auth's hook matchers see a GET /get-session with both credential kinds. */
function getSessionContext(auth: AuthContext): unknown {
  const headers = new Headers({ authorization: "Bearer x", cookie: "x=y" });
  const url = `${auth.baseURL}/get-session`;
  return {
    path: "/get-session",
    method: "GET",
    headers,
    request: new Request(url, { headers }),
    query: {},
    context: auth,
  };
}

/**
 * Why GET /get-session cannot be answered by the fast path under this configuration, or null
 * when it can. Checked once per instance: any setting or hook the fast path does not reproduce
 * (a plugin added later included) turns it off rather than letting it answer differently.
 */
export function getSessionIneligibility(auth: AuthContext, notesSessionUse: boolean): string | null {
  const options = auth.options;
  const session = options.session;
  if (options.disabledPaths?.includes("/get-session")) return "get-session is disabled";
  if (session?.cookieCache?.enabled) return "the cookie cache answers get-session from a cookie";
  if (session?.deferSessionRefresh) return "deferSessionRefresh changes get-session's answer";
  if (options.hooks?.before || options.hooks?.after) return "global hooks may change get-session";
  if (options.secondaryStorage && (!session?.storeSessionInDatabase || session?.preserveSessionInDatabase))
    return "sessions are not read from the database on a cache miss";
  if (auth.rateLimit.enabled && !exemptFromRateLimit(auth)) return "get-session is rate limited";
  const input = { auth, notesSessionUse };
  const ctx = getSessionContext(auth);
  for (const plugin of options.plugins ?? []) {
    const p = plugin as { id: string; onRequest?: unknown; onResponse?: unknown; hooks?: Record<string, HookList> };
    if ((p.onRequest || p.onResponse) && !STAND_IN[p.id]?.(input)) return `plugin ${p.id} handles raw requests`;
    for (const hook of [...(p.hooks?.before ?? []), ...(p.hooks?.after ?? [])]) {
      let matches: boolean;
      try {
        matches = Boolean(hook.matcher(ctx));
      } catch {
        matches = true;
      }
      if (matches && !STAND_IN[p.id]?.(input)) return `a hook of plugin ${p.id} runs on get-session`;
    }
  }
  return null;
}

/**
 * better-auth's limiter picks the first custom rule whose path matches (api/rate-limiter); the
 * fast path may answer only when that rule is `/get-session: false` (rate-limit.ts says why).
 */
function exemptFromRateLimit(auth: AuthContext): boolean {
  const rules = auth.rateLimit.customRules ?? {};
  // A wildcard is read as matching anything: a rule that might apply keeps the fast path off.
  const first = Object.keys(rules).find((p) => p === "/get-session" || globMatches(p, "/get-session"));
  return first === "/get-session" && rules[first] === false;
}

/** Whether a wildcard rule path might match `path` (`*` read generously as "anything"). */
function globMatches(pattern: string, path: string): boolean {
  if (!pattern.includes("*")) return false;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(path);
}
