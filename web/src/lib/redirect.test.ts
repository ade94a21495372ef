import { safeNext } from "./redirect";

describe("safeNext", () => {
  it.each([
    [null, "/tasks"],
    ["", "/tasks"],
    ["/account", "/account"],
    ["/admin/users/1?x=1", "/admin/users/1?x=1"],
    ["https://evil.example/", "/tasks"],
    ["//evil.example/path", "/tasks"],
    ["/\\evil.example", "/tasks"],
    ["javascript:alert(1)", "/tasks"],
    ["/sign-in?next=/x", "/tasks"],
  ])("%j → %j", (input, expected) => {
    expect(safeNext(input)).toBe(expected);
  });
});
