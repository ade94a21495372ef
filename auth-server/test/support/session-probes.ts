import { cookiesFrom, STRONG_PASSWORD, signUpVerified, type TestServer } from "../harness.js";

/** Every credential one signed-in user holds: bearer, cookie, and a "don't remember me" cookie session. */
export interface Holder {
  userId: string;
  email: string;
  bearer: string;
  cookie: string;
  /** A session signed in with rememberMe: false (its cookie carries better-auth's dont_remember). */
  dontRememberCookie: string;
}

/** Signs up `email` and signs in twice more (one "don't remember me"). */
export async function holder(s: Pick<TestServer, "call" | "outbox">, email: string): Promise<Holder> {
  const first = await signUpVerified(s as TestServer, email);
  const transient = await s.call("/api/auth/sign-in/email", {
    method: "POST",
    json: { email, password: STRONG_PASSWORD, rememberMe: false },
  });
  if (transient.status !== 200) throw new Error(`sign-in ${transient.status}`);
  const dontRememberCookie = cookiesFrom(transient);
  if (!dontRememberCookie.includes("dont_remember")) throw new Error("no dont_remember cookie");
  return { userId: first.userId, email, bearer: first.token, cookie: first.cookie, dontRememberCookie };
}

/** Status of each way to use one credential; get-session's `null` counts as 401. */
export type Probe = Record<string, number>;

/**
 * Asks every path that answers for a session: get-session, /me (fast and, with the dont-remember
 * cookie, the full path), /token, list-sessions, the custom sessions list, and endpoints behind
 * better-auth's session middleware (update-user, change-password, revoke-other-sessions).
 */
export async function probe(s: Pick<TestServer, "call">, headers: Record<string, string>): Promise<Probe> {
  const get = async (path: string) => {
    const res = await s.call(path, { headers });
    if (path === "/api/auth/get-session") return res.status === 200 && (await res.json()) !== null ? 200 : 401;
    await res.arrayBuffer();
    return res.status;
  };
  const post = async (path: string, json: unknown) => {
    const res = await s.call(path, { method: "POST", headers, json });
    await res.arrayBuffer();
    return res.status;
  };
  return {
    getSession: await get("/api/auth/get-session"),
    me: await get("/api/auth/me"),
    token: await get("/api/auth/token"),
    listSessions: await get("/api/auth/list-sessions"),
    sessions: await get("/api/auth/sessions"),
    updateUser: await post("/api/auth/update-user", { name: "Renamed" }),
    changePassword: await post("/api/auth/change-password", {
      currentPassword: STRONG_PASSWORD,
      newPassword: "an unusual passphrase 42",
    }),
  };
}

/** A probe where every path refused the credential (401). */
export const REFUSED: Probe = {
  getSession: 401,
  me: 401,
  token: 401,
  listSessions: 401,
  sessions: 401,
  updateUser: 401,
  changePassword: 401,
};

/** Every credential of a holder, as request headers. */
export const credentials = (h: Holder): Array<[string, Record<string, string>]> => [
  ["bearer", { Authorization: `Bearer ${h.bearer}` }],
  ["cookie", { Cookie: h.cookie }],
  ["dont_remember cookie", { Cookie: h.dontRememberCookie }],
];
