import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createAuthClient } from "better-auth/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORIGIN, STRONG_PASSWORD, startTestServer, type TestServer, tokenFromOutbox } from "./harness.js";

describe("official better-auth client over real HTTP", () => {
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

  it("signs up, signs in, reads the session and signs out", async () => {
    let bearer = "";
    const client = createAuthClient({
      baseURL,
      fetchOptions: {
        headers: { Origin: ORIGIN },
        auth: { type: "Bearer", token: () => bearer },
        onSuccess: (ctx) => {
          const t = ctx.response.headers.get("set-auth-token");
          if (t) bearer = t;
        },
      },
    });
    const email = "client@example.com";
    const up = await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Client" });
    expect(up.error).toBeNull();
    expect(up.data?.user.email).toBe(email);

    const early = await client.signIn.email({ email, password: STRONG_PASSWORD });
    expect(early.error?.status).toBe(403);
    expect(early.error?.code).toBe("EMAIL_NOT_VERIFIED");

    const verify = await client.verifyEmail({ query: { token: tokenFromOutbox(s.outbox, email, "/verify-email") } });
    expect(verify.error).toBeNull();

    const signIn = await client.signIn.email({ email, password: STRONG_PASSWORD });
    expect(signIn.error).toBeNull();
    // The bearer plugin hands out the signed `token.signature` form of the session token.
    expect(bearer.split(".")[0]).toBe(signIn.data?.token);

    const session = await client.getSession();
    expect(session.data?.user.email).toBe(email);

    const out = await client.signOut();
    expect(out.error).toBeNull();
    const after = await client.getSession();
    expect(after.data).toBeNull();
  });
});
