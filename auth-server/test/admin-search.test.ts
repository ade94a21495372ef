import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeLike } from "../src/db/like-escape.js";
import { DB_KINDS, signUpVerified, startTestServer, type TestServer } from "./harness.js";

/** Issue 12 #15: the admin's user search treats `%`, `_` and `\` as the characters typed. */
describe.each(DB_KINDS)("admin user search on %s", (kind) => {
  let s: TestServer;
  let bearer: Record<string, string>;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "search-admin@example.com" });
    bearer = { Authorization: `Bearer ${(await signUpVerified(s, "search-admin@example.com")).token}` };
    const names: Record<string, string> = {
      "ann-under@example.com": "Ann_Lee",
      "ann-x@example.com": "AnnXLee",
      "sale@example.com": "50% Off",
      "slash@example.com": "Back\\Slash",
    };
    for (const [email, name] of Object.entries(names)) {
      await s.call("/api/auth/sign-up/email", {
        method: "POST",
        json: { email, password: "correct horse battery staple", name },
      });
    }
  });
  afterAll(async () => {
    await s.close();
  });

  const search = async (params: Record<string, string>): Promise<string[]> => {
    const res = await s.call(`/api/auth/admin/list-users?${new URLSearchParams(params)}`, { headers: bearer });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { users: { name: string }[] };
    return body.users.map((u) => u.name).sort();
  };

  it("matches % and _ literally in searchValue, with every operator", async () => {
    expect(await search({ searchField: "name", searchValue: "%" })).toEqual(["50% Off"]);
    expect(await search({ searchField: "name", searchValue: "_" })).toEqual(["Ann_Lee"]);
    expect(await search({ searchField: "name", searchValue: "Ann_" })).toEqual(["Ann_Lee"]);
    expect(await search({ searchField: "name", searchValue: "\\" })).toEqual(["Back\\Slash"]);
    expect(await search({ searchField: "name", searchValue: "Ann" })).toEqual(["AnnXLee", "Ann_Lee"]);
    expect(await search({ searchField: "name", searchValue: "%", searchOperator: "starts_with" })).toEqual([]);
    expect(await search({ searchField: "name", searchValue: "_Lee", searchOperator: "ends_with" })).toEqual([
      "Ann_Lee",
    ]);
    expect(await search({ searchField: "email", searchValue: "%@" })).toEqual([]);
  });

  it("matches % and _ literally in a string filterValue with a pattern operator", async () => {
    expect(await search({ filterField: "name", filterValue: "_", filterOperator: "contains" })).toEqual(["Ann_Lee"]);
  });

  it("escapes only the LIKE wildcards and the escape character", () => {
    expect(escapeLike("a%b_c\\d")).toBe("a\\%b\\_c\\\\d");
    expect(escapeLike("plain text")).toBe("plain text");
  });
});
