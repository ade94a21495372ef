import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createAuthClient } from "better-auth/client";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SmtpMailer } from "../src/email/smtp.js";
import { DB_KINDS, ORIGIN, STRONG_PASSWORD, startTestServer, type TestServer } from "./harness.js";
import { TestBrowser } from "./support/browser.js";
import { type RunningSmtp, startSmtp } from "./support/smtp-server.js";

const NEW_PASSWORD = "a brand new passphrase for mail links";

/** Targets that must never be honoured: off-site, path tricks that leave the site, scripts. */
const REFUSED_TARGETS = [
  "https://evil.example/welcome",
  "//evil.example",
  "/..//evil.example/x",
  "javascript:alert(1)",
];

/** Whether a response signs a browser in (sets a non-empty session cookie). */
const signsIn = (res: Response): boolean =>
  res.headers.getSetCookie().some((c) => /session_token=[^;]/.test(c) && !/max-age=0/i.test(c));

/**
 * Issue 12 #8: the client's `callbackURL` (sign-up, send-verification-email, change-email) and
 * `redirectTo` (request-password-reset) decide where the mailed link ends, as stock better-auth's
 * links do, once normalised and trusted. Driven with better-auth's own client, unmodified, over
 * real HTTP (its transport keeps cookies as a browser would, as in official-client-mfa.test.ts);
 * mails go through a real SMTP server and the links in them are followed as a browser would.
 */
describe.each(DB_KINDS)("mailed links and the client's target, official client, on %s", (kind) => {
  let smtp: RunningSmtp;
  let s: TestServer;
  let server: ReturnType<typeof serve>;
  let baseURL: string;
  beforeAll(async () => {
    smtp = await startSmtp();
    // The port is known only once listening, and the links must name it (BETTER_AUTH_URL).
    let app: ((request: Request) => Response | Promise<Response>) | undefined;
    server = serve({
      fetch: (request) => (app ? app(request) : new Response(null, { status: 503 })),
      port: 0,
      hostname: "127.0.0.1",
    });
    await new Promise((r) => server.once("listening", r));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    s = await startTestServer(
      kind,
      { BETTER_AUTH_URL: baseURL, EMAIL_TRANSPORT: "smtp", SMTP_URL: smtp.url },
      new SmtpMailer(smtp.url, "Gatehouse <no-reply@gatehouse.test>"),
    );
    app = s.gh.app.fetch;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await s.close();
    await smtp.close();
  });

  /** better-auth's client with a browser's cookie jar, calling from the web app's origin. */
  function officialClient(browser = new TestBrowser()) {
    const customFetchImpl: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("Origin", ORIGIN);
      return browser.request(input instanceof Request ? input.url : String(input), { ...init, headers });
    };
    return { browser, client: createAuthClient({ baseURL, fetchOptions: { customFetchImpl } }) };
  }

  /** The link of the newest mail to `to` with `subject`, once the answer's background work is done. */
  async function linkIn(to: string, subject: string): Promise<string> {
    await s.gh.settled();
    for (const raw of [...smtp.received].reverse()) {
      const mail = await simpleParser(raw);
      if (mail.subject !== subject || (mail.to as { text: string }).text !== to) continue;
      const link = (mail.text ?? "").match(/https?:\/\/\S+(?:verify-email|reset-password)\S*/)?.[0];
      if (link) return link;
    }
    throw new Error(`no "${subject}" mail with a link to ${to}`);
  }
  /** What the web app's /verify-email page does with its link: verifies through the API. */
  async function verifyAsTheWebAppDoes(client: ReturnType<typeof officialClient>["client"], email: string) {
    const link = new URL(await linkIn(email, "Verify your email address"));
    expect(link.origin).toBe(ORIGIN);
    const verified = await client.verifyEmail({ query: { token: link.searchParams.get("token") as string } });
    expect(verified.error).toBeNull();
  }
  const mailCount = async (to: string): Promise<number> => {
    await s.gh.settled();
    const parsed = await Promise.all(smtp.received.map((raw) => simpleParser(raw)));
    return parsed.filter((m) => (m.to as { text: string }).text === to).length;
  };

  it("sign-up's callbackURL: the link verifies, signs in and lands there; reused it signs nobody in; expired it says so", async () => {
    const { browser, client } = officialClient();
    const email = `signup-${kind}@example.com`;
    const callbackURL = `${ORIGIN}/welcome?from=mail`;
    expect(
      (await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Signup", callbackURL })).error,
    ).toBeNull();

    const link = await linkIn(email, "Verify your email address");
    expect(link.startsWith(`${baseURL}/api/auth/verify-email?token=`)).toBe(true);
    expect(new URL(link).searchParams.get("callbackURL")).toBe(callbackURL);
    const followed = await browser.request(link);
    expect(followed.status).toBe(302);
    expect(followed.headers.get("Location")).toBe(callbackURL);
    expect(signsIn(followed)).toBe(true);
    const session = await client.getSession();
    expect(session.data?.user).toMatchObject({ email, emailVerified: true });
    // The audit trail tells it as for the web app's link: verified, and signed in by it.
    await s.gh.settled();
    const events = await s.gh.database.db
      .selectFrom("auth_events")
      .select(["type", "success"])
      .where("user_id", "=", session.data?.user.id as string)
      .where("type", "in", ["email_verified", "sign_in"])
      .execute();
    expect(events.map((e) => e.type).sort()).toEqual(["email_verified", "sign_in"]);

    // Used once: in another browser it still lands on the target but signs nobody in.
    const again = await new TestBrowser().request(link);
    expect(again.status).toBe(302);
    expect(again.headers.get("Location")).toBe(callbackURL);
    expect(signsIn(again)).toBe(false);

    // 15 minutes later the link has expired: the target hears why.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 16 * 60_000);
      const expired = await new TestBrowser().request(link);
      expect(expired.status).toBe(302);
      const location = new URL(expired.headers.get("Location") as string);
      expect(`${location.origin}${location.pathname}`).toBe(`${ORIGIN}/welcome`);
      expect(location.searchParams.get("error")).toBe("TOKEN_EXPIRED");
      expect(signsIn(expired)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it("send-verification-email's callbackURL (a path) is honoured; without one the link opens the web app", async () => {
    const { browser, client } = officialClient();
    const email = `resend-${kind}@example.com`;
    expect((await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Resend" })).error).toBeNull();
    expect(await linkIn(email, "Verify your email address")).toMatch(
      new RegExp(`^${ORIGIN}/verify-email\\?token=[^&\\s]+$`),
    );

    expect((await client.sendVerificationEmail({ email, callbackURL: "/welcome" })).error).toBeNull();
    const link = await linkIn(email, "Verify your email address");
    expect(link.startsWith(`${baseURL}/api/auth/verify-email?token=`)).toBe(true);
    const followed = await browser.request(link);
    expect(followed.status).toBe(302);
    expect(followed.headers.get("Location")).toBe("/welcome");
    expect((await client.getSession()).data?.user).toMatchObject({ email, emailVerified: true });
  });

  it("request-password-reset's redirectTo: the link lands there with the token, which resets once; expired it is refused", async () => {
    const { browser, client } = officialClient();
    const email = `reset-${kind}@example.com`;
    await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Reset" });
    await verifyAsTheWebAppDoes(client, email);
    await client.signOut();

    const redirectTo = `${ORIGIN}/account/new-password`;
    expect((await client.requestPasswordReset({ email, redirectTo })).error).toBeNull();
    const link = await linkIn(email, "Reset your password");
    expect(link).toMatch(new RegExp(`^${baseURL}/api/auth/reset-password/[A-Za-z0-9]+\\?callbackURL=`));
    const followed = await browser.request(link);
    expect(followed.status).toBe(302);
    const landed = new URL(followed.headers.get("Location") as string);
    expect(`${landed.origin}${landed.pathname}`).toBe(redirectTo);
    const token = landed.searchParams.get("token") as string;
    expect(link).toContain(`/reset-password/${token}?`);

    expect((await client.resetPassword({ newPassword: NEW_PASSWORD, token })).error).toBeNull();
    expect((await client.signIn.email({ email, password: NEW_PASSWORD })).error).toBeNull();
    const reused = new URL((await browser.request(link)).headers.get("Location") as string);
    expect(`${reused.origin}${reused.pathname}`).toBe(redirectTo);
    expect(reused.searchParams.get("error")).toBe("INVALID_TOKEN");
    expect(reused.searchParams.get("token")).toBeNull();
    expect((await client.resetPassword({ newPassword: STRONG_PASSWORD, token })).error?.status).toBe(400);

    await client.signOut();
    await client.requestPasswordReset({ email, redirectTo });
    const later = await linkIn(email, "Reset your password");
    const laterToken = new URL(later).pathname.split("/").pop() as string;
    const past = new Date(Date.now() - 1000);
    await s.gh.database.db
      .updateTable("verifications")
      .set({ expires_at: kind === "sqlite" ? past.toISOString() : past })
      .where("identifier", "=", `reset-password:${laterToken}`)
      .execute();
    const expired = new URL((await browser.request(later)).headers.get("Location") as string);
    expect(expired.searchParams.get("error")).toBe("INVALID_TOKEN");
    expect(expired.searchParams.get("token")).toBeNull();
  });

  it("the web app's own flows keep their direct links (no target, or its own reset page)", async () => {
    const { client } = officialClient();
    const email = `web-${kind}@example.com`;
    await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Web" });
    await verifyAsTheWebAppDoes(client, email);
    await client.signOut();
    const direct = new RegExp(`^${ORIGIN}/reset-password\\?token=[A-Za-z0-9]+$`);
    await client.requestPasswordReset({ email });
    expect(await linkIn(email, "Reset your password")).toMatch(direct);
    // What the web app's forgot-password page and the admin's "send reset link" send.
    await client.requestPasswordReset({ email, redirectTo: `${ORIGIN}/reset-password` });
    expect(await linkIn(email, "Reset your password")).toMatch(direct);
  });

  it("change-email's callbackURL carries through both links to the new address", async () => {
    const { browser, client } = officialClient();
    const email = `mover-${kind}@example.com`;
    const newEmail = `moved-${kind}@example.com`;
    await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Mover" });
    await verifyAsTheWebAppDoes(client, email);

    const callbackURL = `${ORIGIN}/account?moved=1`;
    expect((await client.changeEmail({ newEmail, callbackURL })).error).toBeNull();
    const approve = await linkIn(email, "Approve your email change");
    expect(approve.startsWith(`${baseURL}/api/auth/verify-email?token=`)).toBe(true);
    const approved = await browser.request(approve);
    expect(approved.headers.get("Location")).toBe(callbackURL);

    const confirm = await linkIn(newEmail, "Confirm your new email address");
    expect(new URL(confirm).searchParams.get("callbackURL")).toBe(callbackURL);
    const confirmed = await browser.request(confirm);
    expect(confirmed.headers.get("Location")).toBe(callbackURL);
    expect((await client.getSession()).data?.user.email).toBe(newEmail);
  });

  it("refuses an untrusted, path-trick or script target everywhere, mailing nothing", async () => {
    const { client } = officialClient();
    const known = `known-${kind}@example.com`;
    await client.signUp.email({ email: known, password: STRONG_PASSWORD, name: "Known" });
    await verifyAsTheWebAppDoes(client, known);
    const before = await mailCount(known);

    for (const target of REFUSED_TARGETS) {
      const fresh = `fresh-${kind}-${REFUSED_TARGETS.indexOf(target)}@example.com`;
      const up = await client.signUp.email({ email: fresh, password: STRONG_PASSWORD, name: "F", callbackURL: target });
      expect(up.error, target).toMatchObject({ status: 403, code: "INVALID_CALLBACK_URL" });
      const resend = await client.sendVerificationEmail({ email: fresh, callbackURL: target });
      expect(resend.error, target).toMatchObject({ status: 403, code: "INVALID_CALLBACK_URL" });
      const move = await client.changeEmail({ newEmail: `elsewhere-${kind}@example.com`, callbackURL: target });
      expect(move.error, target).toMatchObject({ status: 403, code: "INVALID_CALLBACK_URL" });
      expect(await mailCount(fresh)).toBe(0);

      // A known and an unknown address hear the same.
      const answers = await Promise.all(
        [known, `nobody-${kind}@example.com`].map(async (email) => {
          const res = await officialClient().client.requestPasswordReset({ email, redirectTo: target });
          return { status: res.error?.status, code: res.error?.code, data: res.data };
        }),
      );
      expect(answers[0], target).toMatchObject({ status: 403, code: "INVALID_REDIRECT_URL" });
      expect(answers[1]).toEqual(answers[0]);
    }
    expect(await mailCount(known)).toBe(before);
    expect(await mailCount(`elsewhere-${kind}@example.com`)).toBe(0);
  });

  it("a known and an unknown address hear the same to a trusted redirectTo", async () => {
    const { client } = officialClient();
    const known = `alike-${kind}@example.com`;
    await client.signUp.email({ email: known, password: STRONG_PASSWORD, name: "Alike" });
    await verifyAsTheWebAppDoes(client, known);
    const answers = await Promise.all(
      [known, `stranger-${kind}@example.com`].map(async (email) => {
        const res = await fetch(`${baseURL}/api/auth/request-password-reset`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Origin: ORIGIN },
          body: JSON.stringify({ email, redirectTo: `${ORIGIN}/account/new-password` }),
        });
        const headers = [...res.headers.keys()].filter((h) => h !== "x-request-id" && h !== "date").sort();
        return { status: res.status, headers, body: await res.text() };
      }),
    );
    expect(answers[0]?.status).toBe(200);
    expect(answers[1]).toEqual(answers[0]);
    expect(await linkIn(known, "Reset your password")).toContain("/api/auth/reset-password/");
  });

  it("a server-side call that skips the HTTP checks never mails an untrusted target", async () => {
    const { client } = officialClient();
    const email = `server-side-${kind}@example.com`;
    await client.signUp.email({ email, password: STRONG_PASSWORD, name: "Server" });
    await s.gh.auth.api.sendVerificationEmail({ body: { email, callbackURL: "https://evil.example/x" } });
    expect(await linkIn(email, "Verify your email address")).toMatch(new RegExp(`^${ORIGIN}/verify-email\\?token=`));
    await verifyAsTheWebAppDoes(client, email);
    await s.gh.auth.api.requestPasswordReset({ body: { email, redirectTo: "https://evil.example/x" } });
    expect(await linkIn(email, "Reset your password")).toMatch(new RegExp(`^${ORIGIN}/reset-password\\?token=`));
  });
});
