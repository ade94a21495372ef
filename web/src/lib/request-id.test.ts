import { authClient } from "./auth-client";
import { backend, tokens } from "./backend";
import { newRequestId, REQUEST_ID_HEADER, withRequestId } from "./request-id";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** A fetch that records the request id of every call it receives. */
function recorder(answer: (url: string) => Response = () => json({})) {
  const seen: { url: string; id: string | null }[] = [];
  const impl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    seen.push({ url: req.url, id: req.headers.get(REQUEST_ID_HEADER) });
    return answer(req.url);
  });
  return { seen, impl };
}

describe("newRequestId", () => {
  it("is a random UUID", () => {
    const ids = new Set(Array.from({ length: 50 }, newRequestId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it("still works where crypto.randomUUID is missing (plain http on a LAN address)", () => {
    const insecure = { getRandomValues: <T extends ArrayBufferView>(a: T): T => crypto.getRandomValues(a as never) };
    const a = newRequestId(insecure);
    expect(a).toMatch(UUID_V4);
    expect(newRequestId(insecure)).not.toBe(a);
  });
});

describe("withRequestId", () => {
  it("gives every call its own id, with (url, init) and with a Request", async () => {
    const { seen, impl } = recorder();
    const f = withRequestId(impl);
    await f("http://x/a", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    await f(new Request("http://x/b"));
    await f(new URL("http://x/c"));
    expect(seen.map((s) => s.url)).toEqual(["http://x/a", "http://x/b", "http://x/c"]);
    for (const s of seen) expect(s.id).toMatch(UUID_V4);
    expect(new Set(seen.map((s) => s.id)).size).toBe(3);
  });

  it("keeps the other headers and an id the caller chose", async () => {
    const { seen, impl } = recorder();
    const f = withRequestId(impl);
    const captured: Headers[] = [];
    const spy = withRequestId(async (input, init) => {
      captured.push(new Request(input, init).headers);
      return impl(input, init);
    });
    await spy("http://x/a", { headers: { Authorization: "Bearer t" } });
    expect(captured[0]?.get("Authorization")).toBe("Bearer t");
    await f("http://x/b", { headers: { [REQUEST_ID_HEADER]: "mine-1" } });
    await f(new Request("http://x/c", { headers: { [REQUEST_ID_HEADER]: "mine-2" } }));
    expect(seen.slice(1).map((s) => s.id)).toEqual(["mine-1", "mine-2"]);
  });

  it("uses the global fetch of the moment when none is given", async () => {
    const { seen, impl } = recorder();
    const f = withRequestId(undefined, () => "fixed");
    vi.stubGlobal("fetch", impl);
    await f("http://x/late");
    vi.unstubAllGlobals();
    expect(seen).toEqual([{ url: "http://x/late", id: "fixed" }]);
  });
});

describe("the app's clients send X-Request-ID", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    tokens.invalidate();
  });

  it("on every call to the auth server", async () => {
    const { seen, impl } = recorder(() => json({ ok: true }));
    vi.stubGlobal("fetch", impl);
    await authClient.$fetch("/ok");
    await authClient.$fetch("/ok");
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual(["/api/auth/ok", "/api/auth/ok"]);
    expect(seen[0]?.id).toMatch(UUID_V4);
    expect(seen[1]?.id).toMatch(UUID_V4);
    expect(seen[0]?.id).not.toBe(seen[1]?.id);
  });

  it("on every call to the backend, the JWT fetch and a 401 retry included", async () => {
    let meCalls = 0;
    const { seen, impl } = recorder((url) => {
      if (url.endsWith("/api/auth/token")) return json({ token: "jwt" });
      meCalls += 1;
      return meCalls === 1 ? json({ code: "UNAUTHORIZED", message: "expired" }, 401) : json({ id: "u1" });
    });
    vi.stubGlobal("fetch", impl);
    const res = await backend.GET("/api/v1/auth/me");
    expect(res.response.status).toBe(200);
    const paths = seen.map((s) => new URL(s.url).pathname);
    expect(paths).toEqual(["/api/auth/token", "/api/v1/auth/me", "/api/auth/token", "/api/v1/auth/me"]);
    for (const s of seen) expect(s.id).toMatch(UUID_V4);
    expect(new Set(seen.map((s) => s.id)).size).toBe(4);
  });
});
