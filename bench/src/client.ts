/** Small HTTP helpers the scenarios use to set up users, sessions and tasks. */

export const PASSWORD = "bench horse battery staple 42";

async function expectOk(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/**
 * POST JSON. To an auth server (`/api/auth/`) as a browser on a trusted page would: with the
 * server's own origin as `Origin`, which better-auth trusts on both servers (its base URL); without
 * one it refuses state-changing requests. The backend is called with a Bearer JWT only.
 */
function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const origin: Record<string, string> = url.includes("/api/auth/") ? { origin: new URL(url).origin } : {};
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...origin, ...headers },
    body: JSON.stringify(body),
  });
}

/** Signs in and returns the Bearer session token (`set-auth-token`, the signed `token.sig` form). */
export async function signIn(base: string, email: string, password = PASSWORD): Promise<string> {
  const res = await expectOk(await post(`${base}/api/auth/sign-in/email`, { email, password }), `sign-in ${email}`);
  const token = res.headers.get("set-auth-token");
  await res.arrayBuffer();
  if (!token) throw new Error(`sign-in ${email}: no set-auth-token header`);
  return token;
}

/** Stock better-auth: email+password sign-up without verification (its default). */
export async function createStockUser(base: string, email: string): Promise<void> {
  await expectOk(await post(`${base}/api/auth/sign-up/email`, { email, password: PASSWORD, name: "Bench" }), "sign-up");
}

/** Gatehouse: sign-up, then follow the verification link from the dev outbox, as a person would. */
export async function createGatehouseUser(base: string, email: string): Promise<void> {
  await expectOk(await post(`${base}/api/auth/sign-up/email`, { email, password: PASSWORD, name: "Bench" }), "sign-up");
  const mails = (await (
    await expectOk(await fetch(`${base}/api/dev/outbox?to=${encodeURIComponent(email)}`), "outbox")
  ).json()) as Array<{ text: string }>;
  const token = mails.map((m) => m.text.match(/\/verify-email\?token=([^\s&]+)/)?.[1]).find(Boolean);
  if (!token) throw new Error(`no verification mail for ${email}`);
  const res = await expectOk(await fetch(`${base}/api/auth/verify-email?token=${token}`), "verify-email");
  await res.arrayBuffer();
}

/** A JWT for a Bearer session token (jwt plugin, `/api/auth/token`). */
export async function jwtFor(base: string, bearer: string): Promise<string> {
  const res = await expectOk(
    await fetch(`${base}/api/auth/token`, { headers: { authorization: `Bearer ${bearer}` } }),
    "token",
  );
  return ((await res.json()) as { token: string }).token;
}

/** GET with a Bearer credential; returns the status. */
export async function statusWith(url: string, bearer: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Creates `n` tasks through the backend API for the caller. */
export async function createTasks(backend: string, jwt: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await expectOk(
      await post(
        `${backend}/api/v1/tasks`,
        { title: `Bench task ${i + 1}`, description: "A realistic protected read." },
        { authorization: `Bearer ${jwt}` },
      ),
      "create task",
    );
  }
}
