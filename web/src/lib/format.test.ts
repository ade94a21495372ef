import { formatDateTime, formatRelative } from "./format";
import { durationInWords, plural } from "./wording.gen";

describe("formatRelative", () => {
  const now = Date.parse("2026-03-12T12:00:00Z");
  it.each([
    ["2026-03-12T11:59:40Z", "just now"],
    ["2026-03-12T11:57:00Z", "3 minutes ago"],
    ["2026-03-12T09:00:00Z", "3 hours ago"],
    ["2026-03-11T12:00:00Z", "yesterday"],
    ["2026-03-19T12:00:00Z", "next week"],
    ["2026-03-14T12:00:00Z", "in 2 days"],
  ])("%s → %s", (when, expected) => {
    expect(formatRelative(when, now, "en")).toBe(expected);
  });
  it("survives garbage", () => {
    expect(formatRelative("nope", now, "en")).toBe("—");
  });
});

describe("formatDateTime", () => {
  it("renders a dash for missing or invalid values", () => {
    expect(formatDateTime(null)).toBe("—");
    expect(formatDateTime("not a date")).toBe("—");
    expect(formatDateTime("2026-03-12T12:00:00Z")).toMatch(/2026/);
  });
});

describe("durationInWords", () => {
  it.each([
    [1, "1 second"],
    [0.4, "1 second"],
    [2, "2 seconds"],
    [60, "1 minute"],
    [61, "1 minute 1 second"],
    [125, "2 minutes 5 seconds"],
    [900, "15 minutes"],
    [3600, "1 hour"],
    [5400, "1 hour 30 minutes"],
    [7200, "2 hours"],
    [86400, "1 day"],
    [604800, "7 days"],
    [0, "0 seconds"],
    [-3, "0 seconds"],
  ])("%d s → %s", (s, label) => {
    expect(durationInWords(s)).toBe(label);
  });
  it("pluralises every count but one", () => {
    expect(plural(1, "session")).toBe("1 session");
    expect(plural(0, "session")).toBe("0 sessions");
    expect(plural(3, "session")).toBe("3 sessions");
  });
});
