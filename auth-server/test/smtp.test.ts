import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmtpMailer } from "../src/email/smtp.js";
import { STRONG_PASSWORD, startTestServer, type TestServer } from "./harness.js";
import { type RunningSmtp, startSmtp } from "./support/smtp-server.js";

describe("SMTP transport", () => {
  let smtp: RunningSmtp;
  let s: TestServer;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startTestServer(
      "sqlite",
      { EMAIL_TRANSPORT: "smtp", SMTP_URL: smtp.url },
      new SmtpMailer(smtp.url, "Gatehouse <no-reply@gatehouse.test>"),
    );
  });
  afterAll(async () => {
    await s.close();
    await smtp.close();
  });

  it("delivers a verification mail that parses and whose link verifies the account", async () => {
    const email = "smtp-user@example.com";
    const up = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD, name: "Smtp" },
    });
    expect(up.status).toBe(200);
    expect(smtp.received).toHaveLength(1);

    const parsed = await simpleParser(smtp.received[0] as string);
    expect(parsed.subject).toBe("Verify your email address");
    expect(parsed.from?.text).toContain("no-reply@gatehouse.test");
    expect((parsed.to as { text: string }).text).toBe(email);
    expect(parsed.html).toContain("/verify-email?token=");
    const link = (parsed.text ?? "").match(/(http:\/\/localhost:5173\/verify-email\?token=\S+)/)?.[1];
    expect(link).toBeTruthy();

    const token = new URL(link as string).searchParams.get("token");
    const verify = await s.call(`/api/auth/verify-email?token=${token}`);
    expect(verify.status).toBe(200);
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD },
    });
    expect(signIn.status).toBe(200);
  });

  it("verify() reaches the server and fails cleanly when it is gone", async () => {
    await expect(new SmtpMailer(smtp.url, "x@example.com").verify()).resolves.toBeUndefined();
    await expect(new SmtpMailer("smtp://127.0.0.1:1", "x@example.com").verify()).rejects.toThrow();
  });
});
