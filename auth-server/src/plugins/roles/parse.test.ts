import { describe, expect, it } from "vitest";
import { isAdminRole, parseRoleInput, rolesOf } from "./parse.js";

describe("rolesOf / isAdminRole", () => {
  it("splits on ',' and compares exactly, as better-auth's hasPermission does", () => {
    expect(rolesOf("admin")).toEqual(["admin"]);
    expect(rolesOf("user,admin")).toEqual(["user", "admin"]);
    expect(rolesOf("user, admin")).toEqual(["user"]);
    expect(isAdminRole("user, admin")).toBe(false);
    expect(isAdminRole(" admin")).toBe(false);
    expect(isAdminRole("Admin")).toBe(false);
    expect(isAdminRole("user,admin")).toBe(true);
    expect(isAdminRole("admin,")).toBe(true);
  });
  it("reads an absent or empty value as the default role and unknown names as nothing", () => {
    expect(rolesOf(null)).toEqual(["user"]);
    expect(rolesOf("")).toEqual(["user"]);
    expect(rolesOf("root")).toEqual([]);
    expect(isAdminRole("constructor")).toBe(false);
  });
});

describe("parseRoleInput", () => {
  it("accepts configured names, joined or as an array, and stores them joined", () => {
    expect(parseRoleInput("admin")).toBe("admin");
    expect(parseRoleInput("user,admin")).toBe("user,admin");
    expect(parseRoleInput(["user", "admin"])).toBe("user,admin");
    expect(parseRoleInput(["admin", "admin"])).toBe("admin");
  });
  it("refuses anything that is not exactly configured names", () => {
    for (const bad of [
      "user, admin",
      " admin",
      "admin ",
      "",
      "root",
      "Admin",
      "constructor",
      "__proto__",
      "user,,admin",
      [],
      [1],
      1,
      null,
      undefined,
      {},
    ])
      expect(parseRoleInput(bad), JSON.stringify(bad)).toBeNull();
  });
});
