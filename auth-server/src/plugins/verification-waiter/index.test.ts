import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "../../../test/harness.js";
import { eventually } from "../../../test/support/wait.js";
import { WAITER_HEADER } from "./index.js";

const newSecret = (): string => randomBytes(32).toString("base64url");

describe.each(DB_KINDS)("verification waiter on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  const signUp = (email: string, secret: string) =>
    s.call("/api/auth/sign-up/email", {
      method: "POST",
      headers: { [WAITER_HEADER]: secret },
      json: { email, password: STRONG_PASSWORD, name: "Waiting Person" },
    });
  const resend = (email: string, secret: string) =>
    s.call("/api/auth/send-verification-email", {
      method: "POST",
      headers: { [WAITER_HEADER]: secret },
      json: { email },
    });
  const poll = async (secret: string): Promise<{ status: number; body: unknown }> => {
    const res = await s.call("/api/auth/verification-waiter/status", { method: "POST", json: { secret } });
    return { status: res.status, body: await res.json() };
  };
  const verifyFromMail = async (email: string): Promise<void> => {
    const token = tokenFromOutbox(s.outbox, email, "/verify-email");
    expect((await s.call(`/api/auth/verify-email?token=${token}`)).status).toBe(200);
  };
  /** The binding is written beside the sign-up's answer: the poll's last body once it reads `want` (5 s bound). */
  const pollUntil = async (secret: string, want: string): Promise<unknown> => {
    let body: unknown;
    await eventually(
      async () => {
        ({ body } = await poll(secret));
        return (body as { status: string }).status === want;
      },
      5_000,
      `the waiter's status to read ${want}`,
    );
    return body;
  };
  /** What a sign-up's answer shows: status, body with the user's random id blanked, cookies, headers. */
  const shapeOf = async (res: Response) => {
    const body = (await res.json()) as { token: unknown; user: Record<string, unknown> };
    return {
      status: res.status,
      token: body.token,
      user: { ...body.user, id: "<id>", createdAt: "<t>", updatedAt: "<t>" },
      setCookie: res.headers.getSetCookie().length,
      authToken: res.headers.has("set-auth-token"),
    };
  };

  it("moves on once the new account's address is verified, from another device", async () => {
    const secret = newSecret();
    expect((await signUp("newcomer@example.com", secret)).status).toBe(200);
    expect(await poll(secret)).toEqual({ status: 200, body: { status: "pending" } });
    // The link opened elsewhere: nothing of the waiting tab (no cookie, no secret) is involved.
    await verifyFromMail("newcomer@example.com");
    expect(await pollUntil(secret, "verified")).toEqual({ status: "verified" });
  });

  it("answers an existing address's sign-up exactly like a new one's, and its wait never ends", async () => {
    await signUpVerified(s, "verified-owner@example.com");
    const unverified = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "unverified-owner@example.com", password: STRONG_PASSWORD, name: "Waiting Person" },
    });
    expect(unverified.status).toBe(200);

    const fresh = { secret: newSecret(), email: "fresh@example.com" };
    const onVerified = { secret: newSecret(), email: "verified-owner@example.com" };
    const onUnverified = { secret: newSecret(), email: "unverified-owner@example.com" };
    const answers = [];
    for (const x of [fresh, onVerified, onUnverified]) answers.push(await shapeOf(await signUp(x.email, x.secret)));
    expect(answers[1]).toEqual({ ...answers[0], user: { ...answers[0]?.user, email: onVerified.email } });
    expect(answers[2]).toEqual({ ...answers[0], user: { ...answers[0]?.user, email: onUnverified.email } });

    // Every wait reads the same, and so does a secret nobody ever sent.
    for (const x of [fresh, onVerified, onUnverified, { secret: newSecret() }])
      expect(await poll(x.secret)).toEqual({ status: 200, body: { status: "pending" } });

    // The owner of the unverified account verifies it with their own link: the stranger's wait
    // bound to that address's sign-up stays pending, as it would for an address with no account.
    await verifyFromMail("unverified-owner@example.com");
    await verifyFromMail("fresh@example.com");
    expect(await pollUntil(fresh.secret, "verified")).toEqual({ status: "verified" });
    for (const x of [onVerified, onUnverified])
      expect(await poll(x.secret)).toEqual({ status: 200, body: { status: "pending" } });
  });

  it("lets a re-send renew its own wait but never start one", async () => {
    // A stranger's re-send to someone's unverified account binds nothing.
    const owner = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "resend-owner@example.com", password: STRONG_PASSWORD, name: "Owner" },
    });
    expect(owner.status).toBe(200);
    const stranger = newSecret();
    expect((await resend("resend-owner@example.com", stranger)).status).toBe(200);
    // The waiting page's own re-send (its sign-up made the binding) keeps it.
    const mine = newSecret();
    expect((await signUp("resender@example.com", mine)).status).toBe(200);
    expect((await resend("resender@example.com", mine)).status).toBe(200);
    await verifyFromMail("resend-owner@example.com");
    await verifyFromMail("resender@example.com");
    expect(await pollUntil(mine, "verified")).toEqual({ status: "verified" });
    expect(await poll(stranger)).toEqual({ status: 200, body: { status: "pending" } });
  });

  it("stores only a hash of the secret, and refuses a malformed one with 400", async () => {
    const secret = newSecret();
    expect((await signUp("hashed@example.com", secret)).status).toBe(200);
    // An unknown secret reads "pending" too, so the poll cannot say the binding is written: wait for its row.
    const bound = (r: { identifier: unknown }) => String(r.identifier).startsWith("verification-waiter:");
    let rows: { identifier: string; value: string }[] = [];
    await eventually(
      async () => {
        rows = await s.gh.database.db.selectFrom("verifications").select(["identifier", "value"]).execute();
        return rows.some(bound);
      },
      5_000,
      "the waiter's binding row",
    );
    expect(rows.some(bound)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(secret);
    for (const bad of ["short", `${secret}x`, secret.replace(/.$/, "=")]) {
      const res = await s.call("/api/auth/verification-waiter/status", { method: "POST", json: { secret: bad } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR" });
    }
    // A malformed secret on sign-up changes nothing about the sign-up.
    expect((await signUp("malformed@example.com", "not a secret")).status).toBe(200);
  });
});

describe("verification waiter rate limit", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { RATE_LIMIT_ENABLED: "true" });
  });
  afterAll(async () => {
    await s.close();
  });

  it("answers 429 with Retry-After once a client polls more than 30 times a minute", async () => {
    const secret = newSecret();
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let i = 0; i < 31; i++) {
      const res = await s.call("/api/auth/verification-waiter/status", {
        method: "POST",
        headers: { "X-Forwarded-For": "198.51.100.40" },
        json: { secret },
      });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 30).every((x) => x === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited?.json()).toMatchObject({ code: "RATE_LIMITED" });
  });
});
