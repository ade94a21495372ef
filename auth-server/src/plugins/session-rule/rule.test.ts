import { describe, expect, it } from "vitest";
import { sessionViolation } from "./rule.js";

describe("sessionViolation", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const live = { expiresAt: new Date(now + 60_000), createdAt: new Date(now - 60_000) };

  it("lets a live session of an unbanned user through", () => {
    expect(sessionViolation(live, { banned: false, banExpires: null }, now)).toBeNull();
    expect(sessionViolation(live, {}, now)).toBeNull();
    expect(sessionViolation(live, { banned: true, banExpires: new Date(now - 1) }, now)).toBeNull();
  });

  it("refuses an expired session, or one whose expiry cannot be read", () => {
    expect(sessionViolation({ ...live, expiresAt: new Date(now) }, {}, now)).toBe("expired");
    expect(sessionViolation({ ...live, expiresAt: "soon" }, {}, now)).toBe("expired");
    expect(sessionViolation({ ...live, expiresAt: null }, {}, now)).toBe("expired");
  });

  it("refuses a session of a user under a ban, whatever form the stored flag has", () => {
    for (const banned of [true, 1, "1", "true", "yes"])
      expect(sessionViolation(live, { banned, banExpires: null }, now), String(banned)).toBe("banned");
    expect(sessionViolation(live, { banned: "true", banExpires: new Date(now + 1000).toISOString() }, now)).toBe(
      "banned",
    );
  });

  it("ends an impersonation one hour after it began, whatever its expiresAt says", () => {
    const imp = { ...live, impersonatedBy: "admin-id", expiresAt: new Date(now + 7 * 86_400_000) };
    expect(sessionViolation({ ...imp, createdAt: new Date(now - 3_599_000) }, {}, now)).toBeNull();
    expect(sessionViolation({ ...imp, createdAt: new Date(now - 3_600_000) }, {}, now)).toBe("impersonation_expired");
    expect(sessionViolation({ ...imp, createdAt: "garbage" }, {}, now)).toBe("impersonation_expired");
    // The same age without impersonation is fine.
    expect(sessionViolation({ ...live, createdAt: new Date(now - 3_600_000) }, {}, now)).toBeNull();
  });
});
