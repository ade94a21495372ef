import { OutboxMailer } from "../../src/email/index.js";
import { loadEnv } from "../../src/env.js";
import { createGatehouse, type Gatehouse } from "../../src/gatehouse.js";
import { createLogger } from "../../src/logger.js";
import { ORIGIN, STRONG_PASSWORD, TEST_SECRET } from "../harness.js";

export { eventually } from "./wait.js";

/** An auth server instance on an existing database, as one of several, or one restarted. */
export interface Instance {
  gh: Gatehouse;
  outbox: OutboxMailer;
  call(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts an instance on `databaseUrl` (migrated; background work started unless `background` is
 * false). Unlike the harness's startTestServer it neither creates nor drops the database, so a
 * test can stop one instance and start another on the same data.
 */
export async function instanceOn(
  databaseUrl: string,
  env: Record<string, string> = {},
  { background = true }: { background?: boolean } = {},
): Promise<Instance> {
  const outbox = new OutboxMailer();
  const gh = createGatehouse(
    loadEnv({
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_URL: "http://localhost:3000",
      FRONTEND_URL: ORIGIN,
      LOG_LEVEL: "silent",
      ...env,
    }),
    { mailer: outbox, logger: createLogger("silent") },
  );
  await gh.migrate();
  if (background) await gh.startBackground();
  return {
    gh,
    outbox,
    call(path, init = {}) {
      const { json, headers, ...rest } = init;
      const h = new Headers(headers);
      if (json !== undefined) h.set("Content-Type", "application/json");
      if (!h.has("Origin")) h.set("Origin", ORIGIN);
      const body = json !== undefined ? JSON.stringify(json) : rest.body;
      return Promise.resolve(gh.app.request(path, { ...rest, headers: h, body }));
    },
    close: () => gh.close(),
  };
}

/** Signs up and verifies `email` on `inst`, then signs in; returns the bearer token and ids. */
export async function signedIn(inst: Instance, email: string): Promise<{ bearer: string; userId: string }> {
  const up = await inst.call("/api/auth/sign-up/email", {
    method: "POST",
    json: { email, password: STRONG_PASSWORD, name: email.split("@")[0] },
  });
  if (up.status !== 200) throw new Error(`sign-up ${up.status}: ${await up.text()}`);
  const mail = inst.outbox.list(email).find((m) => m.text.includes("/verify-email"));
  const token = mail?.text.match(/\/verify-email\?token=([^\s]+)/)?.[1];
  if (!token) throw new Error(`no verification mail for ${email}`);
  // In the browser that signed up, as a person would (ADMIN_EMAILS needs it).
  const cookie = up.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const verified = await inst.call(`/api/auth/verify-email?token=${token}`, { headers: { Cookie: cookie } });
  if (verified.status !== 200) throw new Error(`verify ${verified.status}`);
  return signInAgain(inst, email);
}

/** A new session for an existing user. */
export async function signInAgain(inst: Instance, email: string): Promise<{ bearer: string; userId: string }> {
  const res = await inst.call("/api/auth/sign-in/email", {
    method: "POST",
    json: { email, password: STRONG_PASSWORD },
  });
  if (res.status !== 200) throw new Error(`sign-in ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string } };
  return { bearer: res.headers.get("set-auth-token") as string, userId: body.user.id };
}

/** The database's token for a bearer value (`token` or `token.signature`). */
export const rawToken = (bearer: string): string => decodeURIComponent(bearer).split(".")[0] as string;

/** What each session-answering route says about `bearer`: get-session, /me and /token. */
export async function answers(inst: Instance, bearer: string): Promise<{ session: number; me: number; token: number }> {
  const headers = { Authorization: `Bearer ${bearer}` };
  const session = await inst.call("/api/auth/get-session", { headers });
  const body = session.status === 200 ? await session.json() : null;
  const me = await inst.call("/api/auth/me", { headers });
  const token = await inst.call("/api/auth/token", { headers });
  await me.arrayBuffer();
  await token.arrayBuffer();
  // better-auth answers get-session for no session with 200 and a null body.
  return { session: body ? 200 : 401, me: me.status, token: token.status };
}
