import type { Auth } from "../auth.js";
import { NOT_OFFERED } from "../plugins/mfa/index.js";
import { VERSION } from "../version.js";
import { ANSWER_FIXES } from "./answers.js";
import { ERROR_BODY_SCHEMA, errorResponses } from "./errors.js";
import { GATEHOUSE_PATHS } from "./gatehouse-paths.js";
import { allowNull, operationTo2020, type Schema, toJsonSchema2020 } from "./json-schema.js";

/** An OpenAPI 3.1 document, loosely typed. */
export type OpenApiDocument = Schema & { paths: Record<string, Record<string, Schema>>; components: Schema };

/** Whether an operation needs a session: `required` (401 without), `optional` (used when sent), `none`. */
export type SessionNeed = "required" | "optional" | "none";

/**
 * better-auth operations that work without a session (the rest need one). Checked against the
 * live server by the backend's recorded-answers test: each `required` operation answers 401 to a
 * call without credentials, each other one answers its documented success.
 */
const SESSION_NEEDS: Record<string, SessionNeed> = {
  "POST /sign-in/social": "none",
  "GET /callback/{id}": "none",
  "POST /callback/{id}": "none",
  "POST /sign-up/email": "none",
  "POST /sign-in/email": "none",
  "POST /reset-password": "none",
  "GET /verify-email": "none",
  "POST /request-password-reset": "none",
  "GET /reset-password/{token}": "none",
  "GET /ok": "none",
  "GET /error": "none",
  "GET /jwks": "none",
  "GET /password-link": "none",
  "POST /verification-waiter/status": "none",
  // Passkey sign-in (a discoverable credential) starts and ends without a session.
  "GET /passkey/generate-authenticate-options": "none",
  "POST /passkey/verify-authentication": "none",
  // A sign-in's second step carries better-auth's two-factor cookie instead of a session; a signed-in
  // session may use them too (step-up).
  "POST /two-factor/verify-totp": "optional",
  "POST /two-factor/verify-backup-code": "optional",
  "GET /get-session": "optional",
  "POST /get-session": "optional",
  "POST /sign-out": "optional",
  "POST /send-verification-email": "optional",
};

/**
 * Operations better-auth generates whatever the configuration, which this configuration never
 * serves (they only ever answer an error), so no client is offered them.
 */
export function notServed(options: Auth["options"]): Set<string> {
  const session = options.session as { deferSessionRefresh?: boolean; additionalFields?: object } | undefined;
  const user = options.user as
    | { changeEmail?: { enabled?: boolean }; deleteUser?: { sendDeleteAccountVerification?: unknown } }
    | undefined;
  const off = new Set<string>();
  // 405 unless session refreshes are deferred.
  if (!session?.deferSessionRefresh) off.add("POST /get-session");
  // 400 "No fields to update" without additional session fields.
  if (Object.keys(session?.additionalFields ?? {}).length === 0) off.add("POST /update-session");
  // 400 unless change-email is enabled.
  if (!user?.changeEmail?.enabled) off.add("POST /change-email");
  // Deletion links exist only when a verification mail is sent for them.
  if (!user?.deleteUser?.sendDeleteAccountVerification) off.add("GET /delete-user/callback");
  // Email/SMS one-time codes are not offered (plugins/mfa answers 404).
  for (const path of NOT_OFFERED) off.add(`POST ${path}`);
  // better-auth's own, uncorrected copy of the document (routes/openapi.ts answers 404).
  off.add("GET /open-api/generate-schema");
  return off;
}

/** Under /admin/ but for every signed-in user: one's own permissions, ending an impersonation. */
const OPEN_TO_USERS = new Set(["/admin/has-permission", "/admin/stop-impersonating"]);

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);
const BEARER = { bearerAuth: [] };
const COOKIE = { sessionCookie: [] };

function securityFor(need: SessionNeed): Schema[] {
  if (need === "none") return [];
  return need === "required" ? [BEARER, COOKIE] : [{}, BEARER, COOKIE];
}

/** better-auth's endpoint names by "METHOD /path", for operations it left without an operationId. */
function endpointNames(auth: Auth): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, endpoint] of Object.entries(auth.api as Record<string, unknown>)) {
    const { path, options } = (endpoint ?? {}) as { path?: string; options?: { method?: string | string[] } };
    if (!path || !options?.method) continue;
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    const openApiPath = path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    for (const m of methods) names.set(`${m.toUpperCase()} ${openApiPath}`, methods.length > 1 ? `${name}${m}` : name);
  }
  return names;
}

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, into);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") into.add(value);
      else collectRefs(value, into);
    }
  }
}

/**
 * Model schemas (User, Session, …) as answers carry them: a field the database does not require
 * is a nullable column, so the answer may hold null (image, banReason, banExpires, ipAddress,
 * userAgent, impersonatedBy, …). better-auth types them as plain strings.
 */
function nullableModelFields(model: Schema): Schema {
  const required = new Set((model.required as string[] | undefined) ?? []);
  const properties = Object.fromEntries(
    Object.entries((model.properties as Record<string, Schema>) ?? {}).map(([name, field]) => [
      name,
      required.has(name) ? field : allowNull(field),
    ]),
  );
  return { ...model, properties };
}

/** Only the component schemas some operation uses (better-auth lists every table, Jwks included). */
function usedSchemas(paths: unknown, schemas: Record<string, Schema>): Record<string, Schema> {
  const prefix = "#/components/schemas/";
  const used = new Set<string>();
  const pending = new Set<string>();
  collectRefs(paths, pending);
  while (pending.size > 0) {
    const [ref] = pending;
    pending.delete(ref as string);
    if (!ref?.startsWith(prefix) || used.has(ref)) continue;
    used.add(ref);
    collectRefs(schemas[ref.slice(prefix.length)], pending);
  }
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(prefix + name)));
}

/**
 * The auth server's OpenAPI 3.1 document: better-auth's generated one (openAPI plugin) with
 * Gatehouse's routes added, the internal admin API left out, and every schema made true to the
 * answers: JSON Schema 2020-12 nulls (no 3.0 `nullable`), nullable model fields, every error as
 * `{code, message}`, real security schemes per operation, and the corrections in answers.ts.
 */
export async function buildOpenApiDocument(auth: Auth): Promise<OpenApiDocument> {
  const base = (await auth.api.generateOpenAPISchema()) as unknown as OpenApiDocument;
  const names = endpointNames(auth);
  const off = notServed(auth.options);
  const paths: Record<string, Record<string, Schema>> = {};
  const sources: [Record<string, Record<string, Schema>>, boolean][] = [
    [base.paths, true],
    [GATEHOUSE_PATHS, false],
  ];
  for (const [source, fromBetterAuth] of sources) {
    for (const [path, ops] of Object.entries(source)) {
      // The internal admin API serves the backend only (service token); plugins/internal-admin/README.md.
      if (path.startsWith("/internal/")) continue;
      for (const [method, raw] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (!METHODS.has(method) || off.has(key)) continue;
        const { "x-gatehouse-session": declared, ...op } = structuredClone(raw) as Schema;
        const need = (declared as SessionNeed | undefined) ?? SESSION_NEEDS[key] ?? "required";
        const responses = op.responses as Record<string, Schema>;
        const success = Object.fromEntries(Object.entries(responses).filter(([s]) => Number(s) < 400));
        const statuses = Object.keys(responses).filter((s) => Number(s) >= 400);
        if (need === "required") statuses.push("401");
        if (path.startsWith("/admin/") && !OPEN_TO_USERS.has(path)) statuses.push("403");
        // better-call reads every POST as JSON: 415 without that Content-Type, even with no body.
        if (op.requestBody || method === "post") statuses.push("400", "413", "415");
        statuses.push("500");
        const existing = fromBetterAuth ? {} : responses;
        const fixed: Schema = {
          ...op,
          operationId: op.operationId ?? names.get(key),
          security: securityFor(need),
          responses: { ...success, ...errorResponses({ statuses, existing }) },
        };
        ANSWER_FIXES[key]?.(fixed);
        paths[path] = { ...paths[path], [method]: operationTo2020(fixed) };
      }
    }
  }
  const models = Object.fromEntries(
    Object.entries((base.components.schemas as Record<string, Schema>) ?? {}).map(([name, model]) => [
      name,
      toJsonSchema2020(nullableModelFields(model)) as Schema,
    ]),
  );
  return {
    openapi: "3.1.1",
    info: {
      title: "Gatehouse auth server",
      version: VERSION,
      description:
        "better-auth's endpoints and Gatehouse's own routes. Credentials: the session token from the " +
        "`set-auth-token` answer header as `Authorization: Bearer <token>`, or the session cookie. Every " +
        "error answer is `{code, message}`.",
    },
    servers: base.servers,
    tags: [
      { name: "Default", description: "better-auth's core endpoints." },
      { name: "Admin", description: "User administration (admin role)." },
      { name: "Jwt", description: "JWTs for services (the backend verifies them with the JWKS)." },
      { name: "Gatehouse", description: "Gatehouse's own routes." },
    ],
    security: [BEARER, COOKIE],
    paths,
    components: {
      schemas: { ...usedSchemas(paths, models), ErrorBody: ERROR_BODY_SCHEMA },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "The session token from the `set-auth-token` header of a sign-in answer.",
        },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "better-auth.session_token",
          description: "The signed session cookie (`__Secure-better-auth.session_token` over HTTPS).",
        },
      },
    },
  };
}
