import { AuditEventType } from "../../contract.gen";
import { tokens } from "../../lib/backend";
import { formatDateTime } from "../../lib/format";
import {
  describeEvent,
  EVENT_NAMES,
  eventName,
  listEvents,
  paramsFromQuery,
  queryFromParams,
  usersForEvents,
} from "./audit-log";

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** Answers like the two services would, and keeps every URL asked for. */
function services(events: unknown = { data: [], count: 0 }, users: unknown = { users: [], total: 0 }) {
  const urls: URL[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(new Request(input, init).url);
      urls.push(url);
      if (url.pathname === "/api/auth/token") return json({ token: "jwt" });
      if (url.pathname === "/api/v1/admin/events") return json(events);
      if (url.pathname === "/api/auth/admin/list-users") return json(users);
      return json({ code: "NOT_FOUND", message: "no" }, 404);
    }),
  );
  return urls;
}

const NO_FILTERS = { q: "", from: "", to: "", failures: false };

afterEach(() => {
  vi.unstubAllGlobals();
  tokens.invalidate();
});

describe("eventName", () => {
  it("reads every type the services write", () => {
    expect(eventName("sign_in")).toBe("Signed in");
    expect(eventName("sign_in_failed")).toBe("Sign-in failed");
    expect(eventName("oauth_linked")).toBe("Provider linked");
  });

  it("names every event type of the contract (no type falls back to its raw spelling)", () => {
    const unnamed = Object.values(AuditEventType).filter((type) => !Object.hasOwn(EVENT_NAMES, type));
    expect(unnamed).toEqual([]);
  });

  it("still reads a type this app does not know yet", () => {
    expect(eventName("mfa_enrolled")).toBe("Mfa enrolled");
    expect(eventName("constructor")).toBe("Constructor"); // no prototype lookups
    expect(eventName("")).toBe("Unknown event");
  });
});

describe("filters in the address", () => {
  it("reads user, type and page, ignoring what could not be valid", () => {
    expect(queryFromParams(new URLSearchParams("user=u1&type=sign_in&page=2"), 20)).toEqual({
      userId: "u1",
      type: "sign_in",
      ...NO_FILTERS,
      page: 2,
      pageSize: 20,
    });
    expect(queryFromParams(new URLSearchParams("type=DROP%20TABLE&page=-3&from=yesterday&failures=yes"), 20)).toEqual({
      userId: "",
      type: "",
      ...NO_FILTERS,
      page: 0,
      pageSize: 20,
    });
    expect(queryFromParams(new URLSearchParams("page=abc"), 20).page).toBe(0);
  });

  it("writes only what is set, and round-trips", () => {
    expect(paramsFromQuery({ userId: "", type: "", page: 0 }).toString()).toBe("");
    const p = paramsFromQuery({ userId: "u 1", type: "sign_up", page: 3 });
    expect(p.toString()).toBe("user=u+1&type=sign_up&page=3");
    expect(queryFromParams(p, 20)).toMatchObject({ userId: "u 1", type: "sign_up", page: 3 });
  });
});

describe("people, dates and failures", () => {
  it("go to the backend as q, a from/to range of whole local days, and success=false", async () => {
    const urls = services();
    await listEvents({
      userId: "",
      type: "",
      q: "ada",
      from: "2026-03-01",
      to: "2026-03-02",
      failures: true,
      page: 0,
      pageSize: 20,
    });
    const call = Object.fromEntries(urls.find((u) => u.pathname === "/api/v1/admin/events")?.searchParams ?? []);
    expect(call.q).toBe("ada");
    expect(call.success).toBe("false");
    expect(new Date(call.from as string).getTime()).toBe(new Date(2026, 2, 1).getTime());
    expect(new Date(call.to as string).getTime()).toBe(new Date(2026, 2, 3).getTime()); // "to" day included
  });
});

describe("describeEvent", () => {
  const names = (id: string): string => ({ a1: "Ada Admin" })[id] ?? "a deleted user";
  const ev = (type: string, extra: object = {}) =>
    ({ id: 1, type, user_id: "u1", actor_id: null, success: true, reason: null, ...extra }) as never;
  it("reads as a sentence, naming the admin who acted", () => {
    expect(describeEvent(ev("role_changed", { reason: "role=admin", actor_id: "a1" }), names)).toBe(
      "Role changed to admin by Ada Admin",
    );
    expect(describeEvent(ev("sign_in_failed", { reason: "INVALID_EMAIL_OR_PASSWORD", success: false }), names)).toBe(
      "Sign-in failed: wrong email or password",
    );
    expect(describeEvent(ev("sign_in", { reason: "oauth:acme" }), names)).toBe("Signed in with acme");
    expect(describeEvent(ev("user_banned", { actor_id: "gone" }), names)).toBe("Banned by a deleted user");
    expect(describeEvent(ev("password_changed", { actor_id: "a1" }), names)).toBe("Password set by Ada Admin");
    expect(describeEvent(ev("mfa_enrolled"), names)).toBe("Mfa enrolled");
  });

  it("says which second factor was used, refused or reset", () => {
    expect(describeEvent(ev("sign_in", { reason: "totp", details: { method: "totp" } }), names)).toBe(
      "Signed in with an authenticator code",
    );
    expect(describeEvent(ev("sign_in", { reason: "passkey", details: { method: "passkey" } }), names)).toBe(
      "Signed in with a passkey",
    );
    expect(describeEvent(ev("two_factor_verified", { reason: "backup_code" }), names)).toBe(
      "Second factor accepted: a backup code",
    );
    expect(describeEvent(ev("two_factor_failed", { reason: "CODE_ALREADY_USED", success: false }), names)).toBe(
      "Second factor refused: the code was already used",
    );
    expect(describeEvent(ev("passkey_failed", { reason: "SOMETHING_NEW", success: false }), names)).toBe(
      "Passkey sign-in failed: SOMETHING_NEW",
    );
    expect(describeEvent(ev("second_factor_reset", { actor_id: "a1" }), names)).toBe(
      "Second factors reset by Ada Admin (authenticator app, backup codes and passkeys removed)",
    );
    expect(describeEvent(ev("passkey_added"), names)).toBe("Passkey added");
  });

  it("reads the row's details: from → to, a ban's end and reason, who a deleted user was, email changes", () => {
    const role = ev("role_changed", { actor_id: "a1", reason: "role=admin", details: { from: "user", to: "admin" } });
    expect(describeEvent(role, names)).toBe("Role changed from user to admin by Ada Admin");
    const end = "2026-03-12T14:00:00.000Z";
    const ban = ev("user_banned", { actor_id: "a1", details: { reason: "spam", expires_at: end } });
    expect(describeEvent(ban, names)).toBe(`Banned by Ada Admin until ${formatDateTime(end)}: spam`);
    expect(
      describeEvent(ev("user_banned", { actor_id: "a1", details: { reason: null, expires_at: null } }), names),
    ).toBe("Banned by Ada Admin");
    const gone = ev("user_deleted", { user_id: "gone", actor_id: "a1", details: { email: "ann@x.io", name: "Ann" } });
    expect(describeEvent(gone, names)).toBe("Account deleted by Ada Admin: ann@x.io (Ann)");
    expect(describeEvent(ev("email_changed", { details: { from: "a@x.io", to: "b@x.io" } }), names)).toBe(
      "Email changed from a@x.io to b@x.io",
    );
    expect(describeEvent(ev("email_change_requested", { details: { from: "a@x.io", to: "b@x.io" } }), names)).toBe(
      "Email change requested from a@x.io to b@x.io",
    );
    const created = ev("user_created", { actor_id: "a1", details: { email: "n@x.io", role: "user", invited: true } });
    expect(describeEvent(created, names)).toBe("Account created by Ada Admin (invited)");
    const failed = ev("sign_in_failed", {
      user_id: null,
      success: false,
      reason: "INVALID_EMAIL_OR_PASSWORD",
      details: { email: "who@x.io" },
    });
    expect(describeEvent(failed, names)).toBe("Sign-in failed for who@x.io: wrong email or password");
    expect(describeEvent(ev("sign_in", { details: { method: "oauth:acme" } }), names)).toBe("Signed in with acme");
  });

  it("says why a session ended and who marked an address verified or sent a reset link", () => {
    const ended = (cause: string, actor_id: string | null = null) =>
      describeEvent(ev("session_revoked", { actor_id, details: { cause } }), names);
    expect(ended("admin", "a1")).toBe("Session ended by Ada Admin");
    expect(ended("user")).toBe("Session ended: signed out from another device");
    expect(ended("password_reset")).toBe("Session ended: the password was reset");
    expect(ended("ban", "a1")).toBe("Session ended by Ada Admin: the account was banned");
    expect(ended("expired")).toBe("Session ended: it expired");
    expect(ended("something_new")).toBe("Session ended: something_new");
    expect(describeEvent(ev("email_verified", { actor_id: "a1", details: { email: "u@x.io" } }), names)).toBe(
      "Email address marked verified by Ada Admin",
    );
    expect(describeEvent(ev("password_reset_requested", { actor_id: "a1" }), names)).toBe(
      "Reset link sent by Ada Admin",
    );
    expect(describeEvent(ev("user_updated", { actor_id: "a1", details: { fields: ["name", "image"] } }), names)).toBe(
      "Profile changed by Ada Admin (name, picture)",
    );
  });

  it("never trusts a value's type: odd details read as if absent", () => {
    const odd = ev("role_changed", { reason: "role=admin", details: { from: 3, to: ["x"] } });
    expect(describeEvent(odd, names)).toBe("Role changed to admin");
    expect(describeEvent(ev("user_updated", { actor_id: "a1", details: { fields: "name" } }), names)).toBe(
      "Profile changed by Ada Admin",
    );
  });
});

describe("listEvents", () => {
  it("asks the backend for one page with the filters, with the JWT", async () => {
    const event = { id: 7, type: "sign_in", user_id: "u1", success: true };
    const urls = services({ data: [event], count: 41 });
    const res = await listEvents({ userId: "u1", type: "sign_in", ...NO_FILTERS, page: 2, pageSize: 20 });
    expect(res).toEqual({ events: [event], total: 41 });
    const call = urls.find((u) => u.pathname === "/api/v1/admin/events");
    expect(Object.fromEntries(call?.searchParams ?? [])).toEqual({
      user_id: "u1",
      type: "sign_in",
      limit: "20",
      offset: "40",
    });
  });

  it("leaves out empty filters", async () => {
    const urls = services();
    await listEvents({ userId: "", type: "", ...NO_FILTERS, page: 0, pageSize: 20 });
    const call = urls.find((u) => u.pathname === "/api/v1/admin/events");
    expect(call?.search).toBe("?limit=20&offset=0");
  });

  it("turns a refusal into a readable error", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) =>
        new URL(new Request(input, init).url).pathname === "/api/auth/token"
          ? json({ token: "jwt" })
          : json({ code: "FORBIDDEN", message: "Administrators only." }, 403),
      ),
    );
    await expect(listEvents({ userId: "", type: "", ...NO_FILTERS, page: 0, pageSize: 20 })).rejects.toMatchObject({
      code: "FORBIDDEN",
      status: 403,
    });
  });
});

describe("usersForEvents", () => {
  it("looks up subjects and acting admins in one request", async () => {
    const urls = services(undefined, {
      users: [
        { id: "u1", email: "a@x.io" },
        { id: "adm", email: "b@x.io" },
      ],
    });
    const users = await usersForEvents([
      { user_id: "u1", actor_id: null },
      { user_id: "u1", actor_id: "adm" },
      { user_id: null, actor_id: null },
    ] as never);
    expect([...users.keys()]).toEqual(["u1", "adm"]);
    const lookups = urls.filter((u) => u.pathname === "/api/auth/admin/list-users");
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.searchParams.getAll("filterValue")).toEqual(["u1", "adm"]);
    expect(lookups[0]?.searchParams.get("filterOperator")).toBe("in");
    expect(lookups[0]?.searchParams.get("filterField")).toBe("id");
  });

  it("asks nothing when no event names anyone", async () => {
    const urls = services();
    expect((await usersForEvents([{ user_id: null, actor_id: null }] as never)).size).toBe(0);
    expect(urls).toHaveLength(0);
  });
});
