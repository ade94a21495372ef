import { tokens } from "../../lib/backend";
import { eventName, listEvents, paramsFromQuery, queryFromParams, usersForEvents } from "./audit-log";

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
      page: 2,
      pageSize: 20,
    });
    expect(queryFromParams(new URLSearchParams("type=DROP%20TABLE&page=-3"), 20)).toEqual({
      userId: "",
      type: "",
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

describe("listEvents", () => {
  it("asks the backend for one page with the filters, with the JWT", async () => {
    const event = { id: 7, type: "sign_in", user_id: "u1", success: true };
    const urls = services({ data: [event], count: 41 });
    const res = await listEvents({ userId: "u1", type: "sign_in", page: 2, pageSize: 20 });
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
    await listEvents({ userId: "", type: "", page: 0, pageSize: 20 });
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
    await expect(listEvents({ userId: "", type: "", page: 0, pageSize: 20 })).rejects.toMatchObject({
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
