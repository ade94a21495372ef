import { RequestError, toAppError, unwrap } from "./errors";

describe("toAppError", () => {
  it("maps a network failure to NETWORK_ERROR", () => {
    expect(toAppError(new TypeError("Failed to fetch"))).toMatchObject({ code: "NETWORK_ERROR", status: 0 });
  });

  it("keeps a known code and uses the friendly wording", () => {
    const e = toAppError({ code: "TOKEN_EXPIRED", message: "expired", status: 400 });
    expect(e).toEqual({ code: "TOKEN_EXPIRED", message: "This link has expired. Request a new one.", status: 400 });
  });

  it("keeps the server's message for an unknown code", () => {
    expect(toAppError({ code: "TASK_NOT_FOUND", message: "No such task.", status: 404 }).message).toBe("No such task.");
  });

  it("never leaves a 5xx without a message", () => {
    expect(toAppError({ status: 502 })).toMatchObject({ code: "INTERNAL_ERROR", status: 502 });
  });

  it("treats a non-JSON 5xx body (e.g. from a proxy) as a server error", () => {
    expect(toAppError("<html>Bad Gateway</html>", 502)).toMatchObject({ code: "INTERNAL_ERROR", status: 502 });
  });

  it("reads FastAPI's validation detail", () => {
    const e = toAppError({ detail: [{ msg: "String should have at most 200 characters" }] }, 422);
    expect(e.message).toBe("String should have at most 200 characters");
  });
});

describe("unwrap", () => {
  it("returns data", () => {
    expect(unwrap({ data: { ok: 1 }, error: null })).toEqual({ ok: 1 });
  });

  it("throws a RequestError carrying code and status", () => {
    expect(() => unwrap({ data: null, error: { code: "BANNED_USER", message: "x", status: 403 } })).toThrow(
      RequestError,
    );
    try {
      unwrap({ data: null, error: { code: "BANNED_USER", message: "x", status: 403 } });
    } catch (e) {
      expect(e).toMatchObject({ code: "BANNED_USER", status: 403, message: "This account has been suspended." });
    }
  });
});
