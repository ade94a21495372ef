/**
 * The OpenID provider the e2e run signs in with: the auth server's own test provider (a real
 * `oidc-provider` on 127.0.0.1, clickable login and consent pages), started by global setup before
 * the auth server, which discovers it at start.
 *
 * Redirect URI. better-auth builds it from BETTER_AUTH_URL: `{BETTER_AUTH_URL}/api/auth/callback/<id>`.
 * The browser only ever talks to the web origin, which proxies /api/auth to the auth server, so the
 * stack sets BETTER_AUTH_URL to the *web* origin (as a deployment behind one reverse proxy does,
 * docs/DEPLOYMENT.md) and registers `{webUrl}/api/auth/callback/acme` here. The provider then sends
 * the browser back through the proxy: the state cookie set when the flow started (also through the
 * proxy) comes along, and the session cookie lands first-party on the web origin. With the auth
 * server's own URL the flow would only work by accident (cookies ignore ports, and everything here
 * is 127.0.0.1) and would break as soon as web and auth live on different hosts.
 *
 * Provider accounts. Tests run in worker processes and cannot touch the provider's account map, so
 * a small control endpoint next to it (`POST {controlUrl}/accounts`) lets each test register the
 * provider identity it needs, with a unique email like every other e2e user.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The provider's id and button label in OIDC_PROVIDERS. */
export const OIDC_ID = "acme";
export const OIDC_NAME = "Acme SSO";

export interface OidcInfo {
  issuer: string;
  discoveryUrl: string;
  /** POST `{ sub, email, emailVerified, name? }` to `${controlUrl}/accounts`. */
  controlUrl: string;
}

export interface RunningOidc {
  info: OidcInfo;
  /** The OIDC_PROVIDERS value for the auth server. */
  setting: string;
  stop: () => Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
}

/** Starts the provider (client registered for `webUrl`'s callback) and its control endpoint. */
export async function startOidc(webUrl: string): Promise<RunningOidc> {
  const clientId = "gatehouse-e2e";
  const clientSecret = randomBytes(24).toString("base64url");
  // Loaded here, not at the top: test workers import this module's constants, not the provider.
  const { startOidcProvider } = await import("../../auth-server/test/support/oidc-provider");
  const op = await startOidcProvider({
    accounts: {},
    clients: [{ clientId, clientSecret, redirectUris: [`${webUrl}/api/auth/callback/${OIDC_ID}`] }],
  });

  const control: Server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/accounts") return void res.writeHead(404).end();
    readJson(req)
      .then((body) => {
        const b = body as { sub?: unknown; email?: unknown; emailVerified?: unknown; name?: unknown } | null;
        if (typeof b?.sub !== "string" || typeof b.email !== "string" || typeof b.emailVerified !== "boolean")
          return void res.writeHead(400).end("sub, email and emailVerified are required");
        op.accounts.set(b.sub, {
          email: b.email,
          emailVerified: b.emailVerified,
          ...(typeof b.name === "string" ? { name: b.name } : {}),
        });
        res.writeHead(204).end();
      })
      .catch(() => res.writeHead(400).end("not JSON"));
  });
  await new Promise<void>((ok, fail) => {
    control.once("error", fail);
    control.listen(0, "127.0.0.1", () => ok());
  });
  const { port } = control.address() as AddressInfo;

  const setting = JSON.stringify([
    { id: OIDC_ID, name: OIDC_NAME, discoveryUrl: op.discoveryUrl, clientId, clientSecret },
  ]);
  return {
    info: { issuer: op.issuer, discoveryUrl: op.discoveryUrl, controlUrl: `http://127.0.0.1:${port}` },
    setting,
    stop: async () => {
      control.closeAllConnections();
      await Promise.all([new Promise<void>((r) => control.close(() => r())), op.stop()]);
    },
  };
}
