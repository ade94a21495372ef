import type { AddressInfo } from "node:net";
import { passkeyClient } from "@better-auth/passkey/client";
import { serve } from "@hono/node-server";
import { createAuthClient } from "better-auth/client";
import { twoFactorClient } from "better-auth/client/plugins";
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORIGIN, STRONG_PASSWORD, startTestServer, type TestServer, tokenFromOutbox } from "./harness.js";

/**
 * Acceptance 3 of the second-factor issue: better-auth's own client with its twoFactorClient and
 * passkeyClient plugins, unmodified, over real HTTP. Node has no cookie store, so the transport
 * keeps cookies as a browser would (the two-factor challenge lives in one); the client's code is
 * untouched. Passkey ceremonies need a WebAuthn authenticator, which Node has not: registration
 * and sign-in with passkeys are proven in real Chromium with its virtual authenticator
 * (e2e/tests/second-factor.spec.ts); here the passkey plugin's session-bound calls are exercised.
 */
function browserLikeFetch(): typeof fetch {
  const jar = new Map<string, string>();
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar.size > 0) headers.set("Cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("Origin", ORIGIN);
    const res = await fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1);
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
}

describe("official better-auth client with twoFactorClient and passkeyClient", () => {
  let s: TestServer;
  let server: ReturnType<typeof serve>;
  let baseURL: string;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
    server = serve({ fetch: s.gh.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await s.close();
  });

  it("enrols TOTP, then signs in through the two-factor redirect with a code and with a backup code", async () => {
    let redirects = 0;
    const client = createAuthClient({
      baseURL,
      fetchOptions: { customFetchImpl: browserLikeFetch() },
      plugins: [twoFactorClient({ onTwoFactorRedirect: () => void redirects++ }), passkeyClient()],
    });
    const email = "official@example.com";
    expect((await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Official" })).error).toBeNull();
    await client.verifyEmail({ query: { token: tokenFromOutbox(s.outbox, email, "/verify-email") } });

    const enabled = await client.twoFactor.enable({ password: STRONG_PASSWORD });
    expect(enabled.error).toBeNull();
    const totp = enabled.data as { totpURI: string; backupCodes: string[] };
    const secret = new URL(totp.totpURI).searchParams.get("secret") as string;
    const backupCodes = totp.backupCodes;
    expect(backupCodes).toHaveLength(10);
    const now = Math.floor(Date.now() / 1000);
    expect((await client.twoFactor.verifyTotp({ code: generateSync({ secret, epoch: now }) })).error).toBeNull();
    expect((await client.getSession()).data?.user.twoFactorEnabled).toBe(true);
    expect((await client.passkey.listUserPasskeys()).data).toEqual([]);
    await client.signOut();

    const first = await client.signIn.email({ email, password: STRONG_PASSWORD });
    expect(first.data).toMatchObject({ twoFactorRedirect: true });
    expect(redirects).toBe(1);
    expect((await client.getSession()).data).toBeNull();
    const verified = await client.twoFactor.verifyTotp({ code: generateSync({ secret, epoch: now + 30 }) });
    expect(verified.error).toBeNull();
    const session = (await client.getSession()).data as { session: { amr?: string } } | null;
    expect(session?.session.amr).toBe("pwd otp mfa");
    await client.signOut();

    await client.signIn.email({ email, password: STRONG_PASSWORD });
    expect(redirects).toBe(2);
    expect((await client.twoFactor.verifyBackupCode({ code: backupCodes[0] as string })).error).toBeNull();
    expect((await client.getSession()).data?.user.email).toBe(email);

    expect((await client.twoFactor.disable({ password: STRONG_PASSWORD })).error).toBeNull();
    await client.signOut();
    const plain = await client.signIn.email({ email, password: STRONG_PASSWORD });
    expect(plain.data).toMatchObject({ user: { email } });
  });
});
