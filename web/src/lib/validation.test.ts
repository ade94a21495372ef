import {
  check,
  email,
  hasErrors,
  LIMITS,
  matches,
  maxLength,
  optionalUrl,
  password,
  required,
  validate,
} from "./validation";

describe("email", () => {
  it.each(["a@b.co", "first.last+tag@example.org", "  padded@example.com  "])("accepts %s", (v) => {
    expect(email(v)).toBeNull();
  });
  it.each([
    ["", "Email is required."],
    ["   ", "Email is required."],
    ["no-at-sign", "Enter a valid email address, like name@example.com."],
    ["a@b", "Enter a valid email address, like name@example.com."],
    ["a b@example.com", "Enter a valid email address, like name@example.com."],
  ])("refuses %j", (v, msg) => {
    expect(email(v)).toBe(msg);
  });
  it("refuses an overlong address", () => {
    expect(email(`${"a".repeat(250)}@example.com`)).toMatch(/at most 254/);
  });
});

describe("password", () => {
  it("enforces the server's 8..128 range at the edges", () => {
    expect(password("a".repeat(7))).toMatch(/at least 8/);
    expect(password("a".repeat(8))).toBeNull();
    expect(password("a".repeat(128))).toBeNull();
    expect(password("a".repeat(129))).toMatch(/at most 128/);
    expect(password("")).toBe("Password is required.");
  });
});

describe("optionalUrl", () => {
  it("allows empty and http(s)", () => {
    expect(optionalUrl("")).toBeNull();
    expect(optionalUrl("https://example.com/a.png")).toBeNull();
  });
  it("refuses other schemes and junk", () => {
    expect(optionalUrl("javascript:alert(1)")).toMatch(/http/);
    expect(optionalUrl("not a url")).toMatch(/full URL/);
  });
});

describe("check and validate", () => {
  it("returns the first failing message", () => {
    expect(check("", required("Title"), maxLength("Title", 3))).toBe("Title is required.");
    expect(check("abcd", required("Title"), maxLength("Title", 3))).toBe("Title must be at most 3 characters.");
  });

  it("validates a sign-up form, including a confirmation", () => {
    const values = { email: "bad", password: "short", confirm: "other" };
    const errors = validate(values, {
      email: [email],
      password: [password],
      confirm: [matches(() => values.password)],
    });
    expect(errors).toEqual({
      email: "Enter a valid email address, like name@example.com.",
      password: "Password must be at least 8 characters.",
      confirm: "Passwords don't match.",
    });
    expect(hasErrors(errors)).toBe(true);
  });

  it("returns no errors for a valid form", () => {
    const values = { title: "Buy milk", description: "" };
    const errors = validate(values, {
      title: [required("Title"), maxLength("Title", LIMITS.taskTitleMax)],
      description: [maxLength("Description", LIMITS.taskDescriptionMax)],
    });
    expect(errors).toEqual({});
    expect(hasErrors(errors)).toBe(false);
  });
});
