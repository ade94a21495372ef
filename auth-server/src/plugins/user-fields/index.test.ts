import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";
import { callInternal } from "../../../test/support/service-token.js";
import { FIELD_LIMITS, USER_FIELD_RULES } from "./index.js";

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
// 100 emoji: 100 code points (the contract's unit), 200 UTF-16 code units.
const HUNDRED_EMOJI = "😀".repeat(100);

// Issue 12 items 9, 10 and 11: text that cannot be stored, values of the wrong type and one set
// of field limits, on every endpoint that takes user fields, on both databases.
describe.each(DB_KINDS)("user fields on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string; userId: string };
  let user: { token: string; userId: string };
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "uf-admin@example.com" });
    admin = await signUpVerified(s, "uf-admin@example.com");
    user = await signUpVerified(s, "uf-user@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const post = (path: string, json: unknown, token?: string) =>
    s.call(`/api/auth${path}`, { method: "POST", json, headers: token ? bearer(token) : {} });
  const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, any> });
  const refused = { status: 400, body: { code: "VALIDATION_ERROR" } };
  const userRow = (email: string) =>
    s.gh.database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  const nameOf = async (id: string) =>
    (await s.gh.database.db.selectFrom("users").select("name").where("id", "=", id).executeTakeFirstOrThrow()).name;

  it("covers every better-auth endpoint that takes user fields", () => {
    expect(Object.keys(USER_FIELD_RULES).sort()).toEqual(
      [
        "/admin/ban-user",
        "/admin/create-user",
        "/admin/update-user",
        "/change-email",
        "/sign-up/email",
        "/update-user",
      ].sort(),
    );
  });

  it("refuses a lone surrogate in any text of any body, and stores nothing (item 9)", async () => {
    const signUp = { email: "lone@example.com", password: STRONG_PASSWORD, name: "x\ud800y" };
    expect(await answer(await post("/sign-up/email", signUp))).toMatchObject(refused);
    expect(await userRow("lone@example.com")).toBeUndefined();
    // Other fields and endpoints: the kind, not the example.
    const more: Array<[string, unknown, string?]> = [
      ["/sign-up/email", { ...signUp, name: "fine", callbackURL: "/x\udc00" }],
      ["/sign-up/email", { ...signUp, name: "fine", "\udfff": 1 }],
      ["/update-user", { image: "https://img.example/\ud83d.png" }, user.token],
      ["/sign-in/email", { email: "uf-user@example.com", password: "pass\ud800word" }],
      ["/admin/ban-user", { userId: user.userId, banReason: "spam\udbff" }, admin.token],
    ];
    for (const [path, json, token] of more)
      expect(await answer(await post(path, json, token)), `${path} ${JSON.stringify(json)}`).toMatchObject(refused);
    expect(await userRow("lone@example.com")).toBeUndefined();
    expect((await userRow("uf-user@example.com"))?.banned).toBeFalsy();
  });

  it("refuses a body that is not UTF-8 instead of storing U+FFFD in its place (item 9)", async () => {
    const raw = Buffer.concat([
      Buffer.from('{"email":"bytes@example.com","password":"correct horse battery staple","name":"x'),
      Buffer.from([0xed, 0xa0, 0x80, 0xff]),
      Buffer.from('"}'),
    ]);
    const res = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: raw,
    });
    expect(await answer(res)).toMatchObject(refused);
    const form = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `email=form%40example.com&password=correct+horse+battery+staple&name=x%ED%A0%80y`,
    });
    expect(await answer(form)).toMatchObject(refused);
    expect(await userRow("bytes@example.com")).toBeUndefined();
    expect(await userRow("form@example.com")).toBeUndefined();
  });

  it("refuses non-string user fields instead of coercing or failing (item 10, and the fuzzing finding)", async () => {
    const before = await nameOf(user.userId);
    const bad: Array<[string, unknown, string?]> = [
      ["/update-user", { name: {} }, user.token],
      ["/update-user", { name: true }, user.token],
      ["/update-user", { name: 42 }, user.token],
      ["/update-user", { name: null }, user.token],
      ["/update-user", { image: { "…": [] }, name: null, "\u0011": [true] }, user.token],
      ["/update-user", { image: false }, user.token],
      ["/sign-up/email", { email: "typed@example.com", password: STRONG_PASSWORD, name: true }],
      ["/sign-up/email", { email: "typed@example.com", password: STRONG_PASSWORD, name: "ok", image: 1 }],
      ["/admin/create-user", { email: "typed2@example.com", password: STRONG_PASSWORD, name: ["a"] }, admin.token],
      ["/admin/create-user", { email: "typed2@example.com", name: "ok", data: { image: {} } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { name: {} } }, admin.token],
      // Fields an admin does not set through `data` (second factors have their audited reset), and
      // values of the wrong kind: never stored as given, never a 500 (found by the review).
      ["/admin/update-user", { userId: user.userId, data: { twoFactorEnabled: false } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { emailVerified: "yes" } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { createdAt: "garbage" } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { updatedAt: { x: 1 } } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { banExpires: "garbage" } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: "not an object" }, admin.token],
      ["/admin/create-user", { email: "typed2@example.com", name: "ok", data: { createdAt: "garbage" } }, admin.token],
      ["/admin/create-user", { email: "typed2@example.com", name: "ok", data: { emailVerified: "yes" } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { name: true } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { banReason: 7 } }, admin.token],
      ["/admin/ban-user", { userId: user.userId, banReason: { why: 1 } }, admin.token],
      ["/admin/ban-user", { userId: user.userId, banExpiresIn: "3600" }, admin.token],
    ];
    for (const [path, json, token] of bad)
      expect(await answer(await post(path, json, token)), `${path} ${JSON.stringify(json)}`).toMatchObject(refused);
    expect(await nameOf(user.userId)).toBe(before);
    expect(await userRow("typed@example.com")).toBeUndefined();
    expect(await userRow("typed2@example.com")).toBeUndefined();
    expect((await userRow("uf-user@example.com"))?.banned).toBeFalsy();
    // The internal admin API, after its token passed.
    const internal = await callInternal(s, "update-user", admin.userId, { userId: user.userId, data: { name: true } });
    expect(await answer(internal)).toMatchObject(refused);
  });

  it("takes image: null on sign-up as no image, as update-user does", async () => {
    const res = await post("/sign-up/email", {
      email: "no-image@example.com",
      password: STRONG_PASSWORD,
      name: "N",
      image: null,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { image: unknown } }).user.image).toBeNull();
    expect((await userRow("no-image@example.com"))?.image).toBeNull();
  });

  it("applies the contract's limits on every path, counting code points (item 11)", async () => {
    const { userName, userImage, banReason, banExpiresInSeconds } = FIELD_LIMITS;
    const tooLong = "n".repeat(userName.maxLength + 1);
    const bad: Array<[string, unknown, string?]> = [
      ["/sign-up/email", { email: "long@example.com", password: STRONG_PASSWORD, name: "x".repeat(60_000) }],
      ["/sign-up/email", { email: "long@example.com", password: STRONG_PASSWORD, name: tooLong }],
      ["/sign-up/email", { email: "long@example.com", password: STRONG_PASSWORD, name: "   " }],
      ["/sign-up/email", { email: "long@example.com", password: STRONG_PASSWORD, name: "a", image: "javascript:1" }],
      ["/sign-up/email", { email: `${"e".repeat(250)}@example.com`, password: STRONG_PASSWORD, name: "a" }],
      ["/update-user", { name: tooLong }, user.token],
      ["/update-user", { image: "javascript:alert(document.cookie)" }, user.token],
      ["/update-user", { image: "JAVASCRIPT:alert(1)" }, user.token],
      ["/update-user", { image: `https://img.example/${"i".repeat(userImage.maxLength)}` }, user.token],
      ["/admin/create-user", { email: "long2@example.com", password: STRONG_PASSWORD, name: tooLong }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { image: "data:text/html,<b>x</b>" } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { name: "" } }, admin.token],
      ["/admin/ban-user", { userId: user.userId, banReason: "r".repeat(banReason.maxLength + 1) }, admin.token],
      ["/admin/ban-user", { userId: user.userId, banExpiresIn: banExpiresInSeconds.min - 1 }, admin.token],
      ["/admin/ban-user", { userId: user.userId, banExpiresIn: banExpiresInSeconds.max + 1 }, admin.token],
    ];
    for (const [path, json, token] of bad)
      expect(await answer(await post(path, json, token)), `${path} ${JSON.stringify(json)}`).toMatchObject(refused);
    expect(await userRow("long@example.com")).toBeUndefined();
    expect((await userRow("uf-user@example.com"))?.banned).toBeFalsy();
    for (const data of [{ name: tooLong }, { image: "javascript:alert(1)" }]) {
      const internal = await callInternal(s, "update-user", admin.userId, { userId: user.userId, data });
      expect(await answer(internal)).toMatchObject(refused);
    }

    // At the limits: accepted, trimmed where the contract trims.
    expect((await post("/update-user", { name: HUNDRED_EMOJI }, user.token)).status).toBe(200);
    expect(await nameOf(user.userId)).toBe(HUNDRED_EMOJI);
    expect((await post("/update-user", { name: "  Ada Lovelace \n" }, user.token)).status).toBe(200);
    expect(await nameOf(user.userId)).toBe("Ada Lovelace");
    const image = "data:image/png;base64,iVBORw0KGgo=";
    expect((await post("/update-user", { image }, user.token)).status).toBe(200);
    expect((await post("/update-user", { image: null }, user.token)).status).toBe(200);
    const viaAdmin = await post("/admin/update-user", { userId: user.userId, data: { name: " Grace " } }, admin.token);
    expect(viaAdmin.status).toBe(200);
    expect(await nameOf(user.userId)).toBe("Grace");
    const internal = await callInternal(s, "update-user", admin.userId, {
      userId: user.userId,
      data: { name: `  ${HUNDRED_EMOJI}  ` },
    });
    expect(internal.status).toBe(200);
    expect(await nameOf(user.userId)).toBe(HUNDRED_EMOJI);
  });

  it("refuses NUL, controls and bidirectional formatting in user fields on every path (contract characterSets)", async () => {
    const before = await nameOf(user.userId);
    // C0 and C1 controls, DEL, line separators, every Bidi_Control character, the byte order mark.
    const chars = ["\0", "\x07", "\x1b", "\n", "\x7f", "\x85", "\u061c", "\u200e", "\u2028", "\u202a", "\u202e"];
    chars.push("\u2066", "\u2069", "\ufeff");
    for (const c of chars) {
      const name = `Ada${c}Lovelace`;
      const label = `U+${c.codePointAt(0)?.toString(16)}`;
      const signUp = { email: "bidi@example.com", password: STRONG_PASSWORD, name };
      expect(await answer(await post("/sign-up/email", signUp)), `sign-up ${label}`).toMatchObject(refused);
      expect(await answer(await post("/update-user", { name }, user.token)), `update ${label}`).toMatchObject(refused);
    }
    const bad: Array<[string, unknown, string?]> = [
      ["/update-user", { image: "https://img.example/\u202egnp.exe" }, user.token],
      ["/admin/create-user", { email: "bidi2@example.com", password: STRONG_PASSWORD, name: "x\u202ey" }, admin.token],
      ["/admin/create-user", { email: "bidi2@example.com", name: "ok", data: { name: "\u2066x" } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { name: "x\0" } }, admin.token],
      ["/admin/update-user", { userId: user.userId, data: { banReason: "\x1b[2J" } }, admin.token],
      ["/admin/ban-user", { userId: user.userId, banReason: "spam\u202e" }, admin.token],
    ];
    for (const [path, json, token] of bad)
      expect(await answer(await post(path, json, token)), `${path} ${JSON.stringify(json)}`).toMatchObject(refused);
    const internal = await callInternal(s, "update-user", admin.userId, {
      userId: user.userId,
      data: { name: "\u202e" },
    });
    expect(await answer(internal)).toMatchObject(refused);
    expect(await nameOf(user.userId)).toBe(before);
    expect(await userRow("bidi@example.com")).toBeUndefined();
    expect(await userRow("bidi2@example.com")).toBeUndefined();
    expect((await userRow("uf-user@example.com"))?.banned).toBeFalsy();

    // Zero-width joiners stay (emoji sequences); a ban reason keeps its line breaks.
    expect((await post("/update-user", { name: "Zoë 👩\u200d💻" }, user.token)).status).toBe(200);
    expect(await nameOf(user.userId)).toBe("Zoë 👩\u200d💻");
    const ban = await post("/admin/ban-user", { userId: user.userId, banReason: "one\r\ntwo\tthree" }, admin.token);
    expect(ban.status).toBe(200);
    expect((await userRow("uf-user@example.com"))?.ban_reason).toBe("one\r\ntwo\tthree");
    expect((await post("/admin/unban-user", { userId: user.userId }, admin.token)).status).toBe(200);
  });
});

// Rows written before these checks (or by SQL) may hold bytes that are not UTF-8; only SQLite
// can store them (PostgreSQL refuses them itself). Reading them must never be a 500.
describe("stored text that is not UTF-8, on sqlite", () => {
  let s: TestServer;
  let admin: { token: string; userId: string };
  beforeAll(async () => {
    s = await startTestServer("sqlite", { ADMIN_EMAILS: "uf8-admin@example.com" });
    admin = await signUpVerified(s, "uf8-admin@example.com");
  });
  afterAll(async () => {
    await s.close();
  });

  it("answers get-session and admin list-users with U+FFFD in place of the bad bytes", async () => {
    const victim = await signUpVerified(s, "uf8-victim@example.com");
    // x, a lone surrogate as SQLite stores it from a JavaScript string (ED A0 80), then 0xFF, y.
    await sql`update users set name = cast(x'78eda080ff79' as text) where id = ${victim.userId}`.execute(
      s.gh.database.db,
    );
    const own = await s.call("/api/auth/get-session", { headers: bearer(victim.token) });
    expect(own.status).toBe(200);
    const listed = await s.call("/api/auth/admin/list-users?limit=100", { headers: bearer(admin.token) });
    expect(listed.status).toBe(200);
    const users = ((await listed.json()) as { users: Array<{ id: string; name: string }> }).users;
    const name = users.find((u) => u.id === victim.userId)?.name ?? "";
    expect(name.startsWith("x") && name.endsWith("y") && name.includes("\ufffd")).toBe(true);
  });
});
