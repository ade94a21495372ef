import { describe, expect, it } from "vitest";
import { readBoolean, readDate, readRow, UnmappableValue, writeRow } from "./convert.js";
import { stockSchema } from "./schema.js";

describe("reading stored values", () => {
  const at = new Date("2025-03-04T05:06:07.089Z");

  it.each([
    ["a Date (PostgreSQL timestamptz)", at],
    ["ISO text (better-auth's Kysely adapter on SQLite)", "2025-03-04T05:06:07.089Z"],
    ["epoch milliseconds (Prisma on SQLite)", at.getTime()],
    ["epoch milliseconds as bigint", BigInt(at.getTime())],
    ["epoch milliseconds as text", String(at.getTime())],
  ])("reads a date from %s", (_what, value) => {
    expect(readDate(value)).toEqual(at);
  });

  it("reads epoch seconds (Drizzle's timestamp mode) and SQLite's CURRENT_TIMESTAMP form as UTC", () => {
    expect(readDate(1_741_064_767)).toEqual(new Date("2025-03-04T05:06:07.000Z"));
    expect(readDate("2025-03-04 05:06:07")).toEqual(new Date("2025-03-04T05:06:07.000Z"));
  });

  it("keeps null and refuses what is not a date", () => {
    expect(readDate(null)).toBeNull();
    expect(() => readDate("next tuesday")).toThrow(UnmappableValue);
    expect(() => readDate({})).toThrow(UnmappableValue);
  });

  it.each([
    [true, true],
    [1, true],
    [0, false],
    ["true", true],
    ["f", false],
    [null, null],
  ])("reads the boolean %j as %j", (value, expected) => {
    expect(readBoolean(value)).toBe(expected);
  });

  it("refuses a boolean it cannot read", () => {
    expect(() => readBoolean("maybe")).toThrow(UnmappableValue);
    expect(() => readBoolean(2)).toThrow(UnmappableValue);
  });

  it("names the field of a value it cannot read", () => {
    const user = stockSchema().user;
    expect(() => readRow(user, new Set(["id", "createdAt"]), { id: "u1", createdAt: "soon" })).toThrow(
      /^createdAt: not a date/,
    );
  });
});

describe("writing Gatehouse rows", () => {
  const session = stockSchema().session;
  const values = { id: "s1", token: "t", userId: "u", expiresAt: new Date("2030-01-01T00:00:00.000Z") };

  it("writes what better-auth writes on SQLite: ISO text and 0/1, defaults filled in", () => {
    const row = writeRow("sqlite", session, values);
    expect(row).toMatchObject({ id: "s1", token: "t", userId: "u", expiresAt: "2030-01-01T00:00:00.000Z" });
    expect(typeof row.createdAt).toBe("string");
    expect(writeRow("sqlite", stockSchema().user, { id: "u", emailVerified: true }).emailVerified).toBe(1);
  });

  it("keeps Date and boolean values for PostgreSQL", () => {
    expect(writeRow("postgres", session, values).expiresAt).toEqual(values.expiresAt);
    expect(writeRow("postgres", stockSchema().user, { id: "u", emailVerified: false }).emailVerified).toBe(false);
  });
});
