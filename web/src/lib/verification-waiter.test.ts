import { forgetWaiter, newWaiter, pollDelayS, WAITER_HEADER, waiterFor, waiterHeaders } from "./verification-waiter";

describe("verification waiter", () => {
  afterEach(() => forgetWaiter());

  it("makes a 43-character base64url secret per sign-up, new each time", () => {
    const a = newWaiter("Someone@Example.com ");
    const b = newWaiter("someone@example.com");
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.secret).not.toBe(a.secret);
    expect(a.email).toBe("someone@example.com");
  });

  it("is found again only for the address its sign-up was for, until forgotten", () => {
    const w = newWaiter("someone@example.com");
    expect(waiterFor(" SOMEONE@example.com")).toEqual(w);
    expect(waiterFor("someone-else@example.com")).toBeNull();
    expect(waiterFor(null)).toBeNull();
    forgetWaiter();
    expect(waiterFor("someone@example.com")).toBeNull();
  });

  it("sends its secret in the header the auth server reads, and nothing without one", () => {
    const w = newWaiter("someone@example.com");
    expect(waiterHeaders(w)).toEqual({ [WAITER_HEADER]: w.secret });
    expect(waiterHeaders(null)).toEqual({});
  });

  it("polls every 5 s for two minutes, then every 15 s: under the server's 30 a minute", () => {
    expect(pollDelayS(0)).toBe(5);
    expect(pollDelayS(119)).toBe(5);
    expect(pollDelayS(120)).toBe(15);
    expect(60 / pollDelayS(0)).toBeLessThan(30);
  });
});
