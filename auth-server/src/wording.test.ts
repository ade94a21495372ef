import { describe, expect, it } from "vitest";
import { durationInWords, plural } from "./wording.gen.js";

describe("plural", () => {
  it("uses the singular for exactly one and the plural otherwise", () => {
    expect(plural(1, "second")).toBe("1 second");
    expect(plural(0, "second")).toBe("0 seconds");
    expect(plural(2, "day")).toBe("2 days");
  });
});

describe("durationInWords", () => {
  it.each([
    [1, "1 second"],
    [0.2, "1 second"],
    [2, "2 seconds"],
    [59, "59 seconds"],
    [60, "1 minute"],
    [61, "1 minute 1 second"],
    [125, "2 minutes 5 seconds"],
    [3_600, "1 hour"],
    [5_400, "1 hour 30 minutes"],
    [3_601, "1 hour"],
    [86_400, "1 day"],
    [7 * 86_400, "7 days"],
    [86_400 + 3_600, "1 day 1 hour"],
    [0, "0 seconds"],
    [-5, "0 seconds"],
    [Number.NaN, "0 seconds"],
  ])("%s s reads %s", (seconds, words) => {
    expect(durationInWords(seconds)).toBe(words);
  });
});
