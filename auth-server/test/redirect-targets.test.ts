import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cookiesFrom,
  DB_KINDS,
  ORIGIN,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "./harness.js";
import {
  AUTH_URL,
  authorizeAtProvider,
  browserFor,
  clientFor,
  deliverCallback,
  oidcEntry,
  startFlow,
} from "./support/oauth-flow.js";
import { type RunningOidcProvider, startOidcProvider } from "./support/oidc-provider.js";

/**
 * Targets that leave the site, or could, once a browser or a URL library has normalised them. The
 * first is issue 12 #7's example: accepted as a path, then resolved to `//evil.example/login`.
 */
const OFF_SITE = [
  "/..//evil.example/login",
  "/./..//evil.example",
  "/a/../..//evil.example/x",
  "//evil.example",
  "/\\evil.example",
  "/%2F%2Fevil.example",
  "/%2f..%2f/evil.example",
  "/%09/evil.example",
  "https://evil.example/x",
  "HTTPS://EVIL.EXAMPLE",
  "http:evil.example",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  `${ORIGIN}@evil.example/`,
  "http://user:pw@localhost:5173/",
  " /x",
  "/x\r\nSet-Cookie: a=b",
  // The fuzzing pass's `callbackURL=%C3%880`: not a URL at all (no scheme, no leading slash).
  "\u00c80",
];

/** True when a `Location` stays on Gatehouse's own origins and is a valid (ASCII) header value. */
function isSafeLocation(location: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(location) || location.startsWith("//") || location.startsWith("/\\")) return false;
  return [ORIGIN, AUTH_URL].includes(new URL(location, AUTH_URL).origin);
}

async function expectRefused(res: Response): Promise<void> {
  expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get("Location")).toBeNull();
  const body = (await res.json()) as { code: unknown; message: unknown };
  expect(typeof body.code).toBe("string");
  expect(typeof body.message).toBe("string");
}

/** Issue 12 #7: every redirect target of every endpoint, normalised and checked after normalisation. */
describe.each(DB_KINDS)("redirect targets on %s", (kind) => {
  let acme: RunningOidcProvider;
  let s: TestServer;
  beforeAll(async () => {
    acme = await startOidcProvider({
      accounts: { pat: { email: "pat@example.com", emailVerified: true, name: "Pat" } },
      clients: [clientFor("acme")],
    });
    s = await startTestServer(kind, { OIDC_PROVIDERS: JSON.stringify([oidcEntry("acme", "Acme", acme.discoveryUrl)]) });
  });
  afterAll(async () => {
    await s.close();
    await acme.stop();
  });

  it("refuses an off-site target on every GET that redirects, before redirecting anywhere", async () => {
    for (const target of OFF_SITE) {
      const q = encodeURIComponent(target);
      for (const path of [
        `/api/auth/verify-email?token=x&callbackURL=${q}`,
        `/api/auth/reset-password/abcdefghijklmnopqrstuvwx?callbackURL=${q}`,
        `/api/auth/delete-user/callback?token=x&callbackURL=${q}`,
      ]) {
        const res = await s.call(path);
        expect(res.status, `${path}`).not.toBe(302);
        await expectRefused(res);
      }
    }
  });

  it("refuses an off-site target in every body field that names one (JSON and form bodies)", async () => {
    const { token } = await signUpVerified(s, "mover@example.com");
    const bearer = { Authorization: `Bearer ${token}` };
    const cases: [string, Record<string, unknown>, Record<string, string>?][] = [
      ["/api/auth/sign-up/email", { email: "new@example.com", password: STRONG_PASSWORD, name: "N", callbackURL: "" }],
      ["/api/auth/sign-in/email", { email: "mover@example.com", password: STRONG_PASSWORD, callbackURL: "" }],
      ["/api/auth/send-verification-email", { email: "new@example.com", callbackURL: "" }],
      ["/api/auth/request-password-reset", { email: "mover@example.com", redirectTo: "" }],
      ["/api/auth/sign-in/social", { provider: "acme", callbackURL: "" }],
      ["/api/auth/sign-in/social", { provider: "acme", callbackURL: `${ORIGIN}/`, errorCallbackURL: "" }],
      ["/api/auth/sign-in/social", { provider: "acme", callbackURL: `${ORIGIN}/`, newUserCallbackURL: "" }],
      ["/api/auth/change-email", { newEmail: "moved@example.com", callbackURL: "" }, bearer],
      ["/api/auth/delete-user", { callbackURL: "" }, bearer],
    ];
    for (const target of OFF_SITE) {
      for (const [path, template, headers] of cases) {
        const field = Object.keys(template).find((k) => template[k] === "") as string;
        const res = await s.call(path, { method: "POST", json: { ...template, [field]: target }, headers });
        await expectRefused(res);
      }
      const form = await s.call("/api/auth/request-password-reset", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: "mover@example.com", redirectTo: target }).toString(),
      });
      await expectRefused(form);
    }
    // Nothing was mailed with one of them, and the account is where it was.
    expect(s.outbox.list("moved@example.com")).toHaveLength(0);
    expect(s.outbox.list("mover@example.com").filter((m) => m.text.includes("/reset-password"))).toHaveLength(0);
  });

  it("refuses a repeated or non-string target with 400, never a 500", async () => {
    await expectRefused(await s.call(`/api/auth/verify-email?token=x&callbackURL=/a&callbackURL=//evil.example`));
    for (const value of [{}, ["/a"], 42, true]) {
      const res = await s.call("/api/auth/request-password-reset", {
        method: "POST",
        json: { email: "x@example.com", redirectTo: value },
      });
      expect(res.status).toBe(400);
      await expectRefused(res);
    }
  });

  it("follows a non-ASCII target percent-encoded (no 500), on the invalid- and valid-token paths", async () => {
    // The fuzzing pass's finding in its valid form: a root-relative path with a non-ASCII character.
    const invalid = await s.call(`/api/auth/verify-email?token=x&callbackURL=${encodeURIComponent("/\u00c80")}`);
    expect(invalid.status).toBe(302);
    expect(invalid.headers.get("Location")).toBe("/%C3%880?error=INVALID_TOKEN");

    const up = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "ete@example.com", password: STRONG_PASSWORD, name: "Été" },
    });
    const verify = tokenFromOutbox(s.outbox, "ete@example.com", "/verify-email");
    const target = `${ORIGIN}/bienvenue/\u00e9t\u00e9?saison=\u00e9t\u00e9#\u00e9`;
    const verified = await s.call(`/api/auth/verify-email?token=${verify}&callbackURL=${encodeURIComponent(target)}`, {
      headers: { Cookie: cookiesFrom(up) },
    });
    expect(verified.status).toBe(302);
    const location = verified.headers.get("Location") as string;
    expect(isSafeLocation(location)).toBe(true);
    expect(location).toBe(new URL(target).href);

    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email: "ete@example.com" } });
    const reset = tokenFromOutbox(s.outbox, "ete@example.com", "/reset-password");
    const back = await s.call(
      `/api/auth/reset-password/${reset}?callbackURL=${encodeURIComponent("/r\u00e9initialiser")}`,
    );
    expect(back.status).toBe(302);
    expect(back.headers.get("Location")).toBe(`${AUTH_URL}/r%C3%A9initialiser?token=${reset}`);
  });

  it("carries normalised callback, error and new-user targets through an OAuth flow", async () => {
    const b = browserFor(s);
    const url = await startFlow(b, "acme", { callbackURL: `${ORIGIN}/tableau/\u00e9t\u00e9` });
    const done = await deliverCallback(b, await authorizeAtProvider(b, url, "pat"));
    expect(done.status).toBe(302);
    expect(done.location.href).toBe(`${ORIGIN}/tableau/%C3%A9t%C3%A9`);

    const b2 = browserFor(s);
    const again = await startFlow(b2, "acme", { errorCallbackURL: `${ORIGIN}/compte/\u00e9chec` });
    const refused = await deliverCallback(b2, await authorizeAtProvider(b2, again, "pat", "deny"));
    expect(refused.location.origin + refused.location.pathname).toBe(`${ORIGIN}/compte/%C3%A9chec`);
    expect(refused.location.searchParams.get("error")).not.toBeNull();
  });

  it("keeps the error page's redirects and answers on site", async () => {
    for (const value of ["<script>alert(1)</script>", "\u00c8", "//evil.example"]) {
      const q = encodeURIComponent(value);
      const res = await s.call(`/api/auth/error?error=${q}&error_description=${q}`);
      expect(res.status).toBeLessThan(500);
      const location = res.headers.get("Location");
      if (location) expect(isSafeLocation(location)).toBe(true);
      else expect(await res.text()).not.toContain("<script>alert");
    }
  });
});
