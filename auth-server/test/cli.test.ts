import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../src/cli/create-admin.js";
import { doctor, formatFindings } from "../src/cli/doctor.js";
import { EXIT, main, USAGE } from "../src/cli/index.js";
import { rotateKeys } from "../src/cli/rotate-keys.js";
import {
  DB_KINDS,
  freshDatabaseUrl,
  signUpVerified,
  startTestServer,
  TEST_SECRET,
  type TestServer,
} from "./harness.js";

describe.each(DB_KINDS)("CLI on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  it("create-admin creates a verified admin who can sign in, and promotes an existing user", async () => {
    const made = await createAdmin(s.gh, "Root@Example.com", { password: "an admin passphrase" });
    expect(made.created).toBe(true);
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "root@example.com", password: "an admin passphrase" },
    });
    expect(signIn.status).toBe(200);
    expect((await signIn.json()).user).toMatchObject({ role: "admin", emailVerified: true });

    const existing = await signUpVerified(s, "promote@example.com");
    const promoted = await createAdmin(s.gh, "promote@example.com");
    expect(promoted).toEqual({ userId: existing.userId, created: false });
    const me = await (await s.call("/api/auth/me", { headers: bearer(existing.token) })).json();
    expect(me.role).toBe("admin");

    const generated = await createAdmin(s.gh, "gen@example.com");
    expect(generated.generatedPassword?.length).toBeGreaterThanOrEqual(20);
    await expect(createAdmin(s.gh, "not-an-email")).rejects.toThrow(/not an email/);
  });

  it("rotate-keys signs new tokens with a new kid while old tokens still verify", async () => {
    const { token } = await signUpVerified(s, "rotate@example.com");
    const before = (await (await s.call("/api/auth/token", { headers: bearer(token) })).json()).token as string;
    const oldKid = decodeProtectedHeader(before).kid;

    const { newKid, retired } = await rotateKeys(s.gh);
    expect(retired).toContain(oldKid);
    const after = (await (await s.call("/api/auth/token", { headers: bearer(token) })).json()).token as string;
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);

    const jwks = createLocalJWKSet(await (await s.call("/api/auth/jwks")).json());
    const opts = { algorithms: ["EdDSA"], issuer: "http://localhost:3000", audience: "http://localhost:3000" };
    await expect(jwtVerify(before, jwks, opts)).resolves.toBeTruthy();
    await expect(jwtVerify(after, jwks, opts)).resolves.toBeTruthy();
  });
});

describe("doctor", () => {
  it("passes on a good configuration", async () => {
    const db = await freshDatabaseUrl("sqlite");
    const findings = await doctor({ DATABASE_URL: db.url, BETTER_AUTH_SECRET: TEST_SECRET });
    await db.drop();
    expect(findings.filter((f) => !f.ok && !f.what.includes("migration"))).toEqual([]);
  });

  it("names each problem of a broken configuration with a fix", async () => {
    // A port nobody listens on: connection refused at once.
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const findings = await doctor({
      NODE_ENV: "production",
      DATABASE_URL: `postgres://nobody:nothing@127.0.0.1:${closed}/none`,
      EMAIL_TRANSPORT: "smtp",
      SMTP_URL: `smtp://127.0.0.1:${closed}`,
    });
    const text = formatFindings(findings);
    expect(text).toMatch(/FAIL {2}BETTER_AUTH_SECRET is missing[\s\S]*fix: Generate one/);
    expect(text).toMatch(/FAIL {2}database unreachable[\s\S]*fix: Check DATABASE_URL/);
    expect(text).toMatch(/FAIL {2}mail transport smtp unreachable[\s\S]*fix: Check SMTP_URL/);
  });

  it("explains a malformed DATABASE_URL", async () => {
    const findings = await doctor({ DATABASE_URL: "mysql://x", BETTER_AUTH_SECRET: TEST_SECRET });
    expect(formatFindings(findings)).toMatch(/DATABASE_URL must start with[\s\S]*fix: Use sqlite/);
  });
});

describe("command line entry", () => {
  const capture = () => {
    const seen = { out: "", err: "" };
    const io = {
      out: (t: string): void => {
        seen.out += t;
      },
      err: (t: string): void => {
        seen.err += t;
      },
    };
    return { seen, io };
  };

  it.each([["--help"], ["-h"], ["help"], ["migrate", "--help"]])("%s prints the usage and exits 0", async (...argv) => {
    const { seen, io } = capture();
    expect(await main(argv, io)).toBe(EXIT.OK);
    expect(seen.out).toBe(USAGE);
    expect(seen.err).toBe("");
  });

  it("shows commands that work from the repository root", () => {
    expect(USAGE).toContain("npm run -s gatehouse -w auth-server -- <command>");
    expect(USAGE).toContain("node auth-server/dist/cli/index.js <command>");
  });

  it("answers a missing or unknown command and a bad option with exit 2 and no stack trace", async () => {
    const none = capture();
    expect(await main([], none.io)).toBe(EXIT.USAGE);
    expect(none.seen.err).toBe(USAGE);

    const unknown = capture();
    expect(await main(["frobnicate"], unknown.io)).toBe(EXIT.USAGE);
    expect(unknown.seen.err).toMatch(/^gatehouse frobnicate: unknown command "frobnicate"/);

    // Arguments are checked before any database is opened.
    const bad = capture();
    expect(await main(["create-admin", "--emial", "x@example.com"], bad.io)).toBe(EXIT.USAGE);
    expect(bad.seen.err).toMatch(/^gatehouse create-admin: Unknown option '--emial'/);
    expect(bad.seen.err).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
