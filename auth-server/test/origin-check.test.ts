import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookiesFrom, DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";

const FOREIGN = "https://evil.example";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A request path for a route pattern: parameters filled in, the better-auth catch-all as sign-out. */
const concrete = (pattern: string): string => pattern.replace(/:[a-zA-Z]+/g, "x").replace(/\*$/, "sign-out");

describe.each(DB_KINDS)("origin rules on Gatehouse's own routes on %s", (kind) => {
  let s: TestServer;
  let cookie: string;
  let bearer: string;
  const email = "origin@example.com";
  beforeAll(async () => {
    s = await startTestServer(kind);
    await signUpVerified(s, email);
    const res = await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password: STRONG_PASSWORD } });
    cookie = cookiesFrom(res);
    bearer = res.headers.get("set-auth-token") as string;
  });
  afterAll(async () => {
    await s.close();
  });

  const sessionIds = async (): Promise<string[]> =>
    ((await (await s.call("/api/auth/sessions", { headers: { Cookie: cookie } })).json()) as { id: string }[]).map(
      (x) => x.id,
    );

  const currentSessionId = async (): Promise<string> =>
    (
      (await (await s.call("/api/auth/get-session", { headers: { Cookie: cookie } })).json()) as {
        session: { id: string };
      }
    ).session.id;

  it("refuses a cookie-carrying DELETE /api/auth/sessions/:id from a foreign or missing Origin (issue 12 #18)", async () => {
    await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password: STRONG_PASSWORD } });
    const ids = await sessionIds();
    const current = await currentSessionId();
    const victim = ids.find((id) => id !== current) as string;
    const attempt = (headers: Record<string, string>) =>
      s.gh.app.request(new Request(`http://localhost:3000/api/auth/sessions/${victim}`, { method: "DELETE", headers }));

    const foreign = await attempt({ Cookie: cookie, Origin: FOREIGN });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: "INVALID_ORIGIN" });
    // No Origin at all, or only a Referer from elsewhere: refused as better-auth refuses them.
    const missing = await attempt({ Cookie: cookie });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ code: "MISSING_OR_NULL_ORIGIN" });
    const referred = await attempt({ Cookie: cookie, Referer: `${FOREIGN}/page` });
    expect(referred.status).toBe(403);
    expect(await referred.json()).toMatchObject({ code: "INVALID_ORIGIN" });
    expect(await sessionIds()).toEqual(ids);

    // A bearer credential is not ambient: better-auth does not check Origin then, nor do we.
    const byBearer = await attempt({ Authorization: `Bearer ${bearer}`, Origin: FOREIGN });
    expect(byBearer.status).toBe(204);
    expect(await sessionIds()).not.toContain(victim);
  });

  it("answers every state-changing route the app serves with better-auth's origin rule", async () => {
    const routes = s.gh.app.routes.filter((r) => UNSAFE.has(r.method));
    const paths = [...new Set(routes.map((r) => `${r.method} ${r.path}`))];
    // The list is what the app has: Gatehouse's own routes and the better-auth catch-all.
    expect(paths).toContain("DELETE /api/auth/sessions/:id");
    expect(paths).toContain("POST /api/auth/*");
    for (const entry of paths) {
      const [method, pattern] = entry.split(" ") as [string, string];
      const res = await s.call(concrete(pattern), {
        method,
        headers: { Cookie: cookie, Origin: FOREIGN, "Content-Type": "application/json" },
        body: "{}",
      });
      expect(res.status, entry).toBe(403);
      expect(((await res.json()) as { code: string }).code, entry).toBe("INVALID_ORIGIN");
    }
    // The session survived all of it.
    expect((await s.call("/api/auth/me", { headers: { Cookie: cookie } })).status).toBe(200);
  });

  it("lets the trusted origin through", async () => {
    await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password: STRONG_PASSWORD } });
    const current = await currentSessionId();
    const target = (await sessionIds()).find((id) => id !== current) as string;
    const ok = await s.call(`/api/auth/sessions/${target}`, { method: "DELETE", headers: { Cookie: cookie } });
    expect(ok.status).toBe(204);
  });
});
