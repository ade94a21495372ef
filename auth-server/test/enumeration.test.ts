import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmtpMailer } from "../src/email/smtp.js";
import { DB_KINDS, ORIGIN, STRONG_PASSWORD, startTestServer, type TestServer } from "./harness.js";
import { shapeOf } from "./support/answer-shape.js";
import { eventually } from "./support/gatehouse-on.js";

const ROUNDS = 30;
/**
 * How long the SMTP server takes to accept a message: a relay that is slow to say 250, as a real
 * one across a network is (issue 12 #5 measured 153 ms for the reset mail sent inline).
 */
const SMTP_ACCEPT_MS = 150;
/**
 * The target is medians within 20 %; the assertion allows 100 % because this machine is
 * shared by several test suites at once and a single run's medians move with whatever else runs.
 * The leak it guards against is the mail's round trip (≥ SMTP_ACCEPT_MS on one side only), far
 * outside that band; the printed figure is the measurement (bench/RESULTS.md style).
 */
const ASSERTED_RATIO = 2;

/** A real SMTP server on 127.0.0.1 that accepts each message after SMTP_ACCEPT_MS. */
async function startSlowSmtp(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => {
        received++;
        setTimeout(callback, SMTP_ACCEPT_MS);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * Issue 12 acceptance 3 (and #5): sign-up, sign-in and password reset answer alike for an existing
 * and an unknown email — status, headers and body — and take as long, measured side by side in
 * one run: ROUNDS alternating requests, medians compared, figure printed.
 */
describe.each(DB_KINDS)("enumeration-safe answers on %s", (kind) => {
  let smtp: Awaited<ReturnType<typeof startSlowSmtp>>;
  let s: TestServer;
  const existing: string[] = [];

  beforeAll(async () => {
    smtp = await startSlowSmtp();
    s = await startTestServer(
      kind,
      { EMAIL_TRANSPORT: "smtp", SMTP_URL: smtp.url },
      new SmtpMailer(smtp.url, "Gatehouse <no-reply@gatehouse.test>"),
    );
    // One verified account per round: wrong-password sign-ins never reach the per-account lockout.
    for (let i = 0; i < ROUNDS; i++) {
      const email = `known-${i}@example.com`;
      const up = await s.call("/api/auth/sign-up/email", {
        method: "POST",
        json: { email, password: STRONG_PASSWORD, name: "Known" },
      });
      expect(up.status).toBe(200);
      existing.push(email);
    }
    await s.gh.database.db
      .updateTable("users")
      .set({ email_verified: (kind === "sqlite" ? 1 : true) as never })
      .execute();
  }, 300_000);
  afterAll(async () => {
    await s.close();
    await smtp.close();
  });

  /** One request as a client sees it: timed up to the answer, not the work it leaves behind. */
  const answer = async (path: string, json: unknown): Promise<Response> =>
    s.gh.app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify(json),
    });

  type Endpoint = { name: string; request: (email: string) => Promise<Response> };
  const endpoints: Endpoint[] = [
    {
      name: "sign-up",
      request: (email) => answer("/api/auth/sign-up/email", { email, password: STRONG_PASSWORD, name: "Known" }),
    },
    {
      name: "sign-in",
      request: (email) => answer("/api/auth/sign-in/email", { email, password: "not the right one" }),
    },
    {
      name: "request-password-reset",
      request: (email) => answer("/api/auth/request-password-reset", { email }),
    },
  ];

  for (const endpoint of endpoints) {
    it(`${endpoint.name}: the same answer and the same time for existing and unknown emails`, async () => {
      const times = { existing: [] as number[], unknown: [] as number[] };
      const shapes = { existing: new Set<string>(), unknown: new Set<string>() };
      for (let i = 0; i < ROUNDS; i++) {
        // Alternating, and which side goes first alternates too, so drift hits both alike.
        const order: ("existing" | "unknown")[] = i % 2 ? ["existing", "unknown"] : ["unknown", "existing"];
        for (const side of order) {
          const email = side === "existing" ? (existing[i] as string) : `unknown-${endpoint.name}-${i}@example.com`;
          const started = performance.now();
          const res = await endpoint.request(email);
          times[side].push(performance.now() - started);
          // Each request starts on a quiet server: the mail one answer left behind is not
          // charged to the next request's time.
          await s.gh.settled();
          shapes[side].add(JSON.stringify(await shapeOf(res)));
        }
      }
      // Alike in status, headers and body, every time.
      expect([...shapes.existing]).toEqual([...shapes.unknown]);
      expect(shapes.existing.size).toBe(1);
      const [a, b] = [median(times.existing), median(times.unknown)];
      const ratio = Math.max(a, b) / Math.min(a, b);
      console.log(
        `[enumeration ${kind}] ${endpoint.name}: median existing ${a.toFixed(1)} ms, unknown ${b.toFixed(1)} ms, ` +
          `difference ${((ratio - 1) * 100).toFixed(1)} % over ${ROUNDS} alternating pairs (target < 20 %)`,
      );
      expect(ratio).toBeLessThan(ASSERTED_RATIO);
    }, 300_000);
  }

  it("still delivers every mail the answers promised", async () => {
    // The first sign-ups' verifications, then per round: sign-up (existing-account mail and a new
    // verification) and reset (the account's link). Sent after the answers, so waited for here.
    const expected = 4 * ROUNDS;
    await eventually(async () => smtp.received() >= expected, 60_000, `${expected} mails`).catch(() => undefined);
    expect(smtp.received()).toBe(expected); // says what is missing if the wait ran out
  }, 90_000);
});
