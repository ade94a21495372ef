import { describe, expect, it } from "vitest";
import { isBanFlagSet, isBanInForce } from "./ban.js";

describe("isBanFlagSet", () => {
  it("reads every stored or submitted form of yes as a ban", () => {
    for (const v of [true, 1, 2, -1, 1.0, "1", "true", "TRUE", " true ", "t", "yes", "on", "banned", {}, []])
      expect(isBanFlagSet(v), JSON.stringify(v)).toBe(true);
  });
  it("reads only PostgreSQL's spellings of no (and absence) as not banned", () => {
    for (const v of [null, undefined, false, 0, "", "0", "false", "FALSE", " f ", "n", "no", "off"])
      expect(isBanFlagSet(v), JSON.stringify(v)).toBe(false);
  });
});

describe("isBanInForce", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("holds without an end date and until the end date, whatever form the flag has", () => {
    expect(isBanInForce({ banned: "true", banExpires: null }, now)).toBe(true);
    expect(isBanInForce({ banned: 1, banExpires: "2026-01-01T00:00:01Z" }, now)).toBe(true);
    expect(isBanInForce({ banned: true, banExpires: new Date(now + 1) }, now)).toBe(true);
    expect(isBanInForce({ banned: true, banExpires: new Date(now) }, now)).toBe(false);
    expect(isBanInForce({ banned: false, banExpires: null }, now)).toBe(false);
  });
  it("keeps a ban whose end date cannot be read", () => {
    expect(isBanInForce({ banned: true, banExpires: "not a date" }, now)).toBe(true);
  });
});
