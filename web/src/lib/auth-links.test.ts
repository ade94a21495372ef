import { readVerificationToken } from "./auth-links";

// The page only reads claims (the server verifies), so the signature part can be anything here.
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
const sign = async (claims: Record<string, unknown>): Promise<string> =>
  `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.c2ln`;

describe("readVerificationToken", () => {
  it("names the address and the step of a verification or email-change link", async () => {
    expect(readVerificationToken(await sign({ email: "ada@example.com" }))).toEqual({
      email: "ada@example.com",
      updateTo: null,
      kind: "verify",
    });
    expect(
      readVerificationToken(
        await sign({ email: "old@example.com", updateTo: "new@example.com", requestType: "change-email-confirmation" }),
      ),
    ).toEqual({ email: "old@example.com", updateTo: "new@example.com", kind: "change-approve" });
    expect(
      readVerificationToken(
        await sign({ email: "a@x.io", updateTo: "b@x.io", requestType: "change-email-verification" }),
      )?.kind,
    ).toBe("change-confirm");
  });

  it("is null for anything else: nothing, garbage, a JWT without an address", async () => {
    expect(readVerificationToken(null)).toBeNull();
    expect(readVerificationToken("not-a-real-token")).toBeNull();
    expect(readVerificationToken(await sign({ sub: "x" }))).toBeNull();
  });
});
