import { createBackendFetch } from "./backend-fetch";
import { SessionLostError, type TokenManager } from "./token-manager";

function fakeTokens(tokens: (string | null)[]): TokenManager & { invalidations: number } {
  let i = 0;
  let current: string | null = null;
  const tm = {
    invalidations: 0,
    async get(): Promise<string> {
      if (current === null) {
        const next = tokens[Math.min(i, tokens.length - 1)] ?? null;
        i += 1;
        if (next === null) throw new SessionLostError();
        current = next;
      }
      return current;
    },
    invalidate(): void {
      tm.invalidations += 1;
      current = null;
    },
    msUntilRefresh: () => null,
  };
  return tm;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("createBackendFetch", () => {
  it("sends the bearer token", async () => {
    const seen: string[] = [];
    const f = createBackendFetch({
      tokens: fakeTokens(["t1"]),
      fetchImpl: async (r) => {
        seen.push(r.headers.get("Authorization") ?? "");
        return json(200, { ok: true });
      },
    });
    const res = await f(new Request("http://x/api/v1/tasks"));
    expect(res.status).toBe(200);
    expect(seen).toEqual(["Bearer t1"]);
  });

  it("retries a 401 once with a fresh token and keeps the body", async () => {
    const seen: [string, string][] = [];
    const tokens = fakeTokens(["old", "new"]);
    const f = createBackendFetch({
      tokens,
      fetchImpl: async (r) => {
        const auth = r.headers.get("Authorization") ?? "";
        seen.push([auth, await r.text()]);
        return auth === "Bearer old" ? json(401, { code: "UNAUTHORIZED", message: "expired" }) : json(201, { id: 1 });
      },
    });
    const res = await f(new Request("http://x/api/v1/tasks", { method: "POST", body: '{"title":"a"}' }));
    expect(res.status).toBe(201);
    expect(seen).toEqual([
      ["Bearer old", '{"title":"a"}'],
      ["Bearer new", '{"title":"a"}'],
    ]);
    expect(tokens.invalidations).toBe(1);
  });

  it("reports a lost session when the fresh token is refused too", async () => {
    const lost = vi.fn();
    const f = createBackendFetch({
      tokens: fakeTokens(["a", "b"]),
      onSessionLost: lost,
      fetchImpl: async () => json(401, { code: "SESSION_REVOKED", message: "revoked" }),
    });
    const res = await f(new Request("http://x/api/v1/tasks"));
    expect(res.status).toBe(401);
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it("reports a lost session when no token can be had", async () => {
    const lost = vi.fn();
    const fetchImpl = vi.fn(async () => json(200, {}));
    const f = createBackendFetch({ tokens: fakeTokens([null]), onSessionLost: lost, fetchImpl });
    await expect(f(new Request("http://x/api/v1/tasks"))).rejects.toBeInstanceOf(SessionLostError);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it("passes other errors through untouched", async () => {
    const lost = vi.fn();
    const f = createBackendFetch({
      tokens: fakeTokens(["a"]),
      onSessionLost: lost,
      fetchImpl: async () => json(403, { code: "FORBIDDEN", message: "no" }),
    });
    expect((await f(new Request("http://x/api/v1/users"))).status).toBe(403);
    expect(lost).not.toHaveBeenCalled();
  });

  it("answers MFA_REQUIRED with the step-up prompt, then retries once with a fresh token", async () => {
    const seen: string[] = [];
    const asked: string[] = [];
    const tokens = fakeTokens(["pwd-jwt", "mfa-jwt"]);
    const f = createBackendFetch({
      tokens,
      onStepUp: async (code) => {
        asked.push(code);
        return true;
      },
      fetchImpl: async (r) => {
        const auth = r.headers.get("Authorization") ?? "";
        seen.push(auth);
        return auth === "Bearer mfa-jwt" ? json(200, { ok: true }) : json(403, { code: "MFA_REQUIRED", message: "m" });
      },
    });
    const res = await f(new Request("http://x/api/v1/secret"));
    expect(res.status).toBe(200);
    expect(asked).toEqual(["MFA_REQUIRED"]);
    expect(seen).toEqual(["Bearer pwd-jwt", "Bearer mfa-jwt"]);
  });

  it("returns the refusal when the person cancels the prompt, and leaves other 403s alone", async () => {
    let prompts = 0;
    const f = createBackendFetch({
      tokens: fakeTokens(["t1"]),
      onStepUp: async () => {
        prompts += 1;
        return false;
      },
      fetchImpl: async (r) =>
        r.url.endsWith("/forbidden")
          ? json(403, { code: "FORBIDDEN", message: "no" })
          : json(403, { code: "REAUTHENTICATION_REQUIRED", message: "again" }),
    });
    expect((await f(new Request("http://x/api/v1/recent"))).status).toBe(403);
    expect((await f(new Request("http://x/api/v1/forbidden"))).status).toBe(403);
    expect(prompts).toBe(1);
  });
});
