import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError, isDatabaseUnavailable, namePostgresError } from "./unavailable.js";

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
  it.each([
    ["connection refused", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["connection reset", withCode("read ECONNRESET", "ECONNRESET")],
    ["pg connection lost", new Error("Connection terminated unexpectedly")],
    ["pg-pool connect timeout", new Error("timeout exceeded when trying to connect")],
    ["too many connections (53300)", withCode("sorry, too many clients already", "53300")],
    ["server starting up (57P03)", withCode("the database system is starting up", "57P03")],
    ["admin shutdown (57P01)", withCode("terminating connection due to administrator command", "57P01")],
    ["statement timeout (57014)", withCode("canceling statement due to statement timeout", "57014")],
    ["server that went silent mid-query", new Error("Query read timeout")],
  ])("names a PostgreSQL %s as unavailable", (_what, err) => {
    expect(isDatabaseUnavailable(namePostgresError(err))).toBe(true);
  });

  it.each([
    ["a unique violation (23505)", withCode("duplicate key value", "23505")],
    ["an undefined table (42P01)", withCode('relation "x" does not exist', "42P01")],
    ["an unknown 57 code (57014x)", withCode("not a real code", "570140")],
  ])("keeps a PostgreSQL %s an ordinary error", (_what, err) => {
    expect(isDatabaseUnavailable(namePostgresError(err))).toBe(false);
  });

  it.each(["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR_SHORT_READ", "SQLITE_FULL"])(
    "names SQLite's %s as unavailable",
    (code) => {
      expect(isDatabaseUnavailable(withCode("database is locked", code))).toBe(true);
    },
  );

  it("does not take another service's network failure (SMTP, Redis) for the database", () => {
    expect(isDatabaseUnavailable(withCode("connect ECONNREFUSED 127.0.0.1:587", "ECONNREFUSED"))).toBe(false);
    expect(isDatabaseUnavailable(withCode("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_UNIQUE"))).toBe(false);
  });

  it("follows the cause chain", () => {
    const inner = new DatabaseUnavailableError("down");
    expect(isDatabaseUnavailable(new Error("Failed to get session", { cause: inner }))).toBe(true);
  });
});
