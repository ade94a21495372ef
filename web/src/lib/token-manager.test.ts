import { createTokenManager, decodeJwtTimes, SessionLostError } from "./token-manager";

/** Builds an unsigned JWT-shaped string with the given payload (enough for exp decoding). */
function jwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown): string =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
  return `${enc({ alg: "EdDSA", typ: "JWT" })}.${enc(payload)}.sig`;
}

describe("decodeJwtTimes", () => {
  it("reads exp and iat", () => {
    expect(decodeJwtTimes(jwt({ exp: 2000, iat: 1100, sub: "u" }))).toEqual({ exp: 2000, iat: 1100 });
  });
  it("returns null for garbage", () => {
    expect(decodeJwtTimes("nope")).toBeNull();
    expect(decodeJwtTimes("a.!!!.c")).toBeNull();
    expect(decodeJwtTimes(jwt({ sub: "no exp" }))).toBeNull();
  });
  it("handles base64url characters and UTF-8 claims", () => {
    const t = jwt({ exp: 5, iat: 1, name: "Zoë ~~~>>>??? 日本" });
    expect(t.split(".")[1]).toMatch(/[-_]/); // the url-safe alphabet is really exercised
    expect(decodeJwtTimes(t)).toEqual({ exp: 5, iat: 1 });
  });
});

describe("createTokenManager", () => {
  const FIFTEEN_MIN = 15 * 60;

  function setup(serverNowSec = 1_000_000) {
    let clock = 0;
    let issued = 0;
    const fetchToken = vi.fn(async () => {
      issued += 1;
      return jwt({ iat: serverNowSec, exp: serverNowSec + FIFTEEN_MIN, n: issued });
    });
    const tm = createTokenManager({ fetchToken, now: () => clock, refreshSkewMs: 60_000 });
    return { tm, fetchToken, advance: (ms: number) => (clock += ms) };
  }

  it("fetches once and reuses the token while it is fresh", async () => {
    const { tm, fetchToken, advance } = setup();
    const a = await tm.get();
    advance(13 * 60_000);
    const b = await tm.get();
    expect(a).toBe(b);
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it("refreshes within the skew window before expiry", async () => {
    const { tm, fetchToken, advance } = setup();
    const a = await tm.get();
    expect(tm.msUntilRefresh()).toBe(14 * 60_000);
    advance(14 * 60_000); // one minute left: too close, renew
    const b = await tm.get();
    expect(b).not.toBe(a);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it("schedules by token lifetime, not by the device clock", async () => {
    // Server clock is far in the past relative to the local clock: exp alone would look expired.
    const { tm, fetchToken, advance } = setup(10);
    await tm.get();
    advance(60_000);
    await tm.get();
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it("shares one request between concurrent callers", async () => {
    const { tm, fetchToken } = setup();
    const [a, b, c] = await Promise.all([tm.get(), tm.get(), tm.get()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it("fetches again after invalidate()", async () => {
    const { tm, fetchToken } = setup();
    await tm.get();
    tm.invalidate();
    expect(tm.msUntilRefresh()).toBeNull();
    await tm.get();
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it("does not cache a token whose fetch began before invalidate()", async () => {
    let release: (t: string) => void = () => {};
    const fetchToken = vi
      .fn<() => Promise<string | null>>()
      .mockImplementationOnce(() => new Promise((r) => (release = r)))
      .mockResolvedValue(jwt({ iat: 0, exp: FIFTEEN_MIN }));
    const tm = createTokenManager({ fetchToken, now: () => 0 });
    const stale = tm.get();
    tm.invalidate(); // e.g. signed out while the request was in flight
    release(jwt({ iat: 0, exp: FIFTEEN_MIN, stale: true }));
    await stale;
    expect(tm.msUntilRefresh()).toBeNull();
    await tm.get();
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it("throws SessionLostError when there is no session, and retries next time", async () => {
    const fetchToken = vi
      .fn<() => Promise<string | null>>()
      .mockResolvedValueOnce(null)
      .mockResolvedValue(jwt({ iat: 0, exp: 900 }));
    const tm = createTokenManager({ fetchToken, now: () => 0 });
    await expect(tm.get()).rejects.toBeInstanceOf(SessionLostError);
    await expect(tm.get()).resolves.toContain(".");
  });

  it("propagates network errors without caching them", async () => {
    const fetchToken = vi
      .fn<() => Promise<string | null>>()
      .mockRejectedValueOnce(new TypeError("Failed to fetch"))
      .mockResolvedValue(jwt({ iat: 0, exp: 900 }));
    const tm = createTokenManager({ fetchToken, now: () => 0 });
    await expect(tm.get()).rejects.toBeInstanceOf(TypeError);
    await expect(tm.get()).resolves.toContain(".");
  });
});
