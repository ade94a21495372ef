/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1, for tests that need
 * a provider to sign in with: the auth server's OAuth tests and the web app's end-to-end tests.
 *
 *   const op = await startOidcProvider({
 *     accounts: { alice: { email: "alice@example.com", emailVerified: true, name: "Alice" } },
 *     clients: [{ clientId: "gatehouse", clientSecret: "s3cret",
 *                 redirectUris: ["http://localhost:3000/api/auth/callback/acme"] }],
 *   });
 *   // OIDC_PROVIDERS=[{"id":"acme","name":"Acme","discoveryUrl":op.discoveryUrl,"clientId":"gatehouse","clientSecret":"s3cret"}]
 *   await op.stop();
 *
 * Sign-in pages are plain HTML a browser can click: the login page has one button per account
 * ("Sign in as alice@example.com") and a "Cancel" button; the consent page has "Allow" and "Deny".
 * Programs can skip the HTML: GET /interaction/<uid> with `Accept: application/json` answers
 * `{ uid, prompt }`, then POST /interaction/<uid>/login (`login=<account id>`), /confirm or /abort.
 *
 * From another process (the backend's integration tests, Playwright's webServer):
 *
 *   node_modules/.bin/tsx auth-server/test/support/oidc-provider.ts --port 4010 \
 *     --config '{"accounts":{...},"clients":[...]}'
 *
 * prints one JSON line `{"issuer","discoveryUrl","port"}` once it listens, and stops on SIGTERM,
 * SIGINT or when its stdin closes.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Adapter, type AdapterPayload, type Configuration } from "oidc-provider";

/** A person who can sign in at the provider; the key in `accounts` is their subject (`sub`). */
export interface OidcTestAccount {
  email: string;
  /** The `email_verified` claim the provider issues. */
  emailVerified: boolean;
  name?: string;
}

/** A relying party registered at the provider (confidential, `client_secret_post`). */
export interface OidcTestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface OidcProviderOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Accounts by subject. The map returned in `accounts` can be changed while running. */
  accounts: Record<string, OidcTestAccount>;
  clients: OidcTestClient[];
  /**
   * Host name put in the issuer (default 127.0.0.1, where it listens). Another name makes the
   * provider announce an issuer that does not match the URL its discovery document is served from.
   */
  issuerHost?: string;
}

export interface RunningOidcProvider {
  /** e.g. http://127.0.0.1:41234 */
  issuer: string;
  /** {listen address}/.well-known/openid-configuration */
  discoveryUrl: string;
  port: number;
  /** Live account store: add, change or delete accounts between sign-ins. */
  accounts: Map<string, OidcTestAccount>;
  provider: Provider;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

/** Starts a provider; PKCE is required for every client, as the auth server must always send it. */
export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const accounts = new Map(Object.entries(options.accounts));
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${options.issuerHost ?? HOST}:${port}`;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `k-${port}`, alg: "RS256", use: "sig" };

  const stores: Stores = new Map();
  const configuration: Configuration = {
    adapter: (name: string) => new MemoryAdapter(stores, name),
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Like Google: the ID token itself carries the email claims.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: account.email,
          email_verified: account.emailVerified,
          name: account.name ?? account.email.split("@")[0],
        }),
      };
    },
    renderError(ctx, out) {
      ctx.type = "json";
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);
  const providerCallback = provider.callback();

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    if (!path.startsWith("/interaction/")) return void providerCallback(req, res);
    handleInteraction(provider, accounts, path, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.end();
      res.writeHead(400, { "Content-Type": "text/plain" }).end(`interaction failed: ${String(err)}`);
    });
  });

  return {
    issuer,
    discoveryUrl: `http://${HOST}:${port}/.well-known/openid-configuration`,
    port,
    accounts,
    provider,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handleInteraction(
  provider: Provider,
  accounts: Map<string, OidcTestAccount>,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const [, , uid, action] = path.split("/");
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction does not match its cookie");

  if (req.method === "GET" && !action) {
    if ((req.headers.accept ?? "").includes("application/json")) {
      res
        .writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify({ uid, prompt: details.prompt.name }));
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page(uid, details.prompt.name, accounts));
    return;
  }
  if (req.method !== "POST") throw new Error("unsupported interaction request");
  const form = await readForm(req);

  if (action === "abort") {
    await provider.interactionFinished(
      req,
      res,
      { error: "access_denied", error_description: "End-User aborted interaction" },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (action === "login") {
    const accountId = form.get("login") ?? "";
    if (!accounts.has(accountId)) throw new Error(`no account "${accountId}"`);
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  if (action === "confirm") {
    const { prompt, params, session, grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session?.accountId, clientId: params.client_id as string });
    if (!grant) throw new Error("grant not found");
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const result = { consent: { grantId: await grant.save() } };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    return;
  }
  throw new Error(`unknown interaction action "${action}"`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if ((req.headers["content-type"] ?? "").includes("application/json")) {
    return new URLSearchParams(JSON.parse(text || "{}") as Record<string, string>);
  }
  return new URLSearchParams(text);
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(uid: string, prompt: string, accounts: Map<string, OidcTestAccount>): string {
  const button = (action: string, label: string, hidden = ""): string =>
    `<form method="post" action="/interaction/${escapeHtml(uid)}/${action}">${hidden}<button type="submit">${escapeHtml(label)}</button></form>`;
  const body =
    prompt === "login"
      ? [
          "<h1>Test provider: sign in</h1>",
          ...[...accounts].map(([id, a]) =>
            button("login", `Sign in as ${a.email}`, `<input type="hidden" name="login" value="${escapeHtml(id)}">`),
          ),
          button("abort", "Cancel"),
        ]
      : ["<h1>Test provider: allow access?</h1>", button("confirm", "Allow"), button("abort", "Deny")];
  return `<!doctype html><html><head><meta charset="utf-8"><title>Test OpenID provider</title></head><body>${body.join("")}</body></html>`;
}

type Stores = Map<string, Map<string, { payload: AdapterPayload; expiresAt?: number }>>;

/** Keeps one provider's artifacts (codes, sessions, grants…) in memory; one store per model. */
class MemoryAdapter implements Adapter {
  private readonly store: Map<string, { payload: AdapterPayload; expiresAt?: number }>;

  constructor(stores: Stores, name: string) {
    let store = stores.get(name);
    if (!store) {
      store = new Map();
      stores.set(name, store);
    }
    this.store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.store.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt < Date.now()) {
      this.store.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return [...this.store.values()].find((e) => e.payload.userCode === userCode)?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return [...this.store.values()].find((e) => e.payload.uid === uid)?.payload;
  }

  async consume(id: string): Promise<void> {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, e] of this.store) if (e.payload.grantId === grantId) this.store.delete(id);
  }
}

/** The command-line entry (see the header): start, print where, stop when told. */
async function runCli(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const config = JSON.parse(arg("--config") ?? "{}") as Partial<OidcProviderOptions>;
  const op = await startOidcProvider({
    accounts: config.accounts ?? {},
    clients: config.clients ?? [],
    issuerHost: config.issuerHost,
    port: Number(arg("--port") ?? config.port ?? 0),
  });
  process.stdout.write(`${JSON.stringify({ issuer: op.issuer, discoveryUrl: op.discoveryUrl, port: op.port })}\n`);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void op.stop().then(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.stdin.on("end", shutdown);
  process.stdin.on("close", shutdown);
  process.stdin.resume();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runCli().catch((err: unknown) => {
    process.stderr.write(`oidc-provider launcher: ${String(err)}\n`);
    process.exit(1);
  });
}
