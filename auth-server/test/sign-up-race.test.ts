import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";
import { shapeOf } from "./support/answer-shape.js";

const PARALLEL = 8;

/** Issue 12 #4: simultaneous creations for one new email all get the sequential answer. */
describe.each(DB_KINDS)("parallel creations for one new email on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "race-admin@example.com" });
  });
  afterAll(async () => {
    await s.close();
  });

  const usersWith = async (email: string): Promise<number> =>
    (await s.gh.database.db.selectFrom("users").select("id").where("email", "=", email).execute()).length;
  const signUp = (email: string) =>
    s.call("/api/auth/sign-up/email", { method: "POST", json: { email, password: STRONG_PASSWORD, name: "Racer" } });

  it(`${PARALLEL} simultaneous sign-ups answer exactly as one sign-up does, and create one account`, async () => {
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => signUp("racer@example.com")));
    const shapes = await Promise.all(answers.map(shapeOf));
    // The sequential reference: a sign-up for another new address, and one for an existing address.
    const reference = await shapeOf(await signUp("calm@example.com"));
    const existing = await shapeOf(await signUp("calm@example.com"));
    for (const shape of shapes) {
      expect(shape).toEqual(reference);
    }
    expect(existing).toEqual(reference);
    expect(await usersWith("racer@example.com")).toBe(1);
    // The account that won is a normal one: its owner verifies and signs in.
    expect(s.outbox.list("racer@example.com").some((m) => m.text.includes("/verify-email"))).toBe(true);
  });

  it("simultaneous admin create-user calls: one creates, the rest get the existing-address answer", async () => {
    const { token } = await signUpVerified(s, "race-admin@example.com");
    const create = () =>
      s.call("/api/auth/admin/create-user", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        json: { email: "made@example.com", password: STRONG_PASSWORD, name: "Made" },
      });
    const answers = await Promise.all(Array.from({ length: PARALLEL }, create));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((st) => st === 200)).toHaveLength(1);
    const late = await create();
    expect(late.status).toBe(400);
    const lateBody = await late.json();
    for (const r of answers.filter((a) => a.status !== 200)) {
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual(lateBody);
    }
    expect(await usersWith("made@example.com")).toBe(1);
  });
});
