import { formatDateTime, formatDuration, formatRelative } from "./format";

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

describe("formatDuration", () => {
  it.each([
    [3600, "1 hour"],
    [7200, "2 hours"],
    [86400, "1 day"],
    [604800, "7 days"],
    [900, "15 minutes"],
  ])("%d s → %s", (s, label) => {
    expect(formatDuration(s)).toBe(label);
  });
});
