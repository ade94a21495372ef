import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, signUpVerified, startTestServer, type TestServer } from "./harness.js";

describe.each(DB_KINDS)("JWTs and JWKS on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  it("issues an EdDSA JWT that verifies against /api/auth/jwks with iss, aud, exp and sid", async () => {
    const { token } = await signUpVerified(s, "jwt@example.com");
    const auth = { Authorization: `Bearer ${token}` };
    const res = await s.call("/api/auth/token", { headers: auth });
    expect(res.status).toBe(200);
    const { token: jwt } = (await res.json()) as { token: string };

    const jwks = await (await s.call("/api/auth/jwks")).json();
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: "EdDSA", kid: jwks.keys[0].kid });

    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      algorithms: ["EdDSA"],
      issuer: "http://localhost:3000",
      audience: "http://localhost:3000",
      requiredClaims: ["exp", "iat", "sub", "sid"],
    });
    const session = await (await s.call("/api/auth/get-session", { headers: auth })).json();
    expect(payload.sub).toBe(session.user.id);
    expect(payload.sid).toBe(session.session.id);
    expect(payload).toMatchObject({ email: "jwt@example.com", email_verified: true, role: "user", name: "jwt" });
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);
  });

  it("keeps the private key encrypted at rest", async () => {
    const row = await s.gh.database.db.selectFrom("auth_jwks").select("private_key").executeTakeFirstOrThrow();
    expect(row.private_key as string).not.toContain('"d"');
  });

  it("refuses /api/auth/token without a session", async () => {
    const res = await s.call("/api/auth/token");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });
});
