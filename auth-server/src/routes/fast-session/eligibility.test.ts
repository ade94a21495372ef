import type { AuthContext } from "better-auth";
import { describe, expect, it } from "vitest";
import { getSessionIneligibility } from "./eligibility.js";

/** The parts of better-auth's context the check reads. */
const context = (options: Record<string, unknown>, rateLimit: Record<string, unknown> = { enabled: false }) =>
  ({
    baseURL: "http://localhost:3000/api/auth",
    options: { session: { storeSessionInDatabase: true }, ...options },
    rateLimit,
  }) as unknown as AuthContext;
const hook = (path: string | null) => ({ matcher: (ctx: { path?: string }) => path === null || ctx.path === path });

describe("getSessionIneligibility", () => {
  it("lets the fast path answer with the hooks it stands in for", () => {
    const plugins = [
      { id: "gatehouse-session-rule", hooks: { before: [hook(null)] } },
      { id: "bearer", hooks: { before: [hook(null)], after: [hook(null)] } },
      { id: "jwt", options: { disableSettingJwtHeader: true }, hooks: { after: [hook("/get-session")] } },
      { id: "admin", hooks: { after: [hook("/list-sessions")] } },
    ];
    expect(getSessionIneligibility(context({ plugins }), false)).toBeNull();
  });

  it("turns off for a hook it does not reproduce: an unknown plugin's, the JWT header, session activity it cannot note", () => {
    const off = (plugins: unknown[], notes = false) => getSessionIneligibility(context({ plugins }), notes);
    expect(off([{ id: "someone-else", hooks: { after: [hook("/get-session")] } }])).toMatch(/someone-else/);
    expect(off([{ id: "jwt", options: {}, hooks: { after: [hook("/get-session")] } }])).toMatch(/jwt/);
    const activity = [{ id: "gatehouse-session-activity", hooks: { after: [hook(null)] } }];
    expect(off(activity)).toMatch(/session-activity/);
    expect(off(activity, true)).toBeNull();
    const throwing = {
      matcher: () => {
        throw new Error("reads something absent");
      },
    };
    expect(off([{ id: "odd", hooks: { before: [throwing] } }])).toMatch(/odd/);
    expect(off([{ id: "raw", onRequest: () => undefined }])).toMatch(/raw/);
  });

  it("turns off for settings that change get-session's answer", () => {
    expect(getSessionIneligibility(context({ session: { cookieCache: { enabled: true } } }), false)).toMatch(/cookie/);
    expect(getSessionIneligibility(context({ session: { deferSessionRefresh: true } }), false)).toMatch(/defer/);
    expect(getSessionIneligibility(context({ disabledPaths: ["/get-session"] }), false)).toMatch(/disabled/);
    expect(getSessionIneligibility(context({ hooks: { after: () => undefined } }), false)).toMatch(/global/);
    expect(
      getSessionIneligibility(context({ secondaryStorage: {}, session: { storeSessionInDatabase: false } }), false),
    ).toMatch(/cache miss/);
  });

  it("answers only where better-auth's limiter leaves get-session alone", () => {
    const limited = (customRules: Record<string, unknown>) =>
      getSessionIneligibility(context({}, { enabled: true, customRules }), false);
    expect(limited({})).toMatch(/rate limited/);
    expect(limited({ "/internal/admin/*": false, "/get-session": false })).toBeNull();
    // better-auth takes the first matching rule: a wildcard before it decides.
    expect(limited({ "/*": { window: 10, max: 5 }, "/get-session": false })).toMatch(/rate limited/);
    expect(limited({ "/get-session": { window: 10, max: 5 } })).toMatch(/rate limited/);
  });
});
