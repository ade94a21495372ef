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
});
