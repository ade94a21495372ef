import { Hono } from "hono";
import type { Auth } from "../auth.js";

const errorBody = {
  type: "object",
  required: ["code", "message"],
  properties: { code: { type: "string", example: "UNAUTHORIZED" }, message: { type: "string" } },
} as const;
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: "Error", content: { "application/json": { schema: errorBody } } }]),
  );
const bearer = [{ bearerAuth: [] }, { apiKeyCookie: [] }];

/** Gatehouse's own routes under /api/auth, described for the reference page. */
const CUSTOM_PATHS = {
  "/me": {
    get: {
      tags: ["Gatehouse"],
      summary: "The signed-in user",
      security: bearer,
      responses: {
        "200": {
          description: "Profile",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  id: { type: "string" },
                  email: { type: "string" },
                  name: { type: "string" },
                  image: { type: "string", nullable: true },
                  emailVerified: { type: "boolean" },
                  role: {
                    type: "string",
                    description: "The configured role names the user holds, joined by ','",
                    example: "user",
                  },
                },
              },
            },
          },
        },
        ...errors(401),
      },
    },
  },
  "/sessions": {
    get: {
      tags: ["Gatehouse"],
      summary: "Live sessions of the caller, with device summaries",
      security: bearer,
      responses: {
        "200": {
          description: "Sessions, newest first; the token itself is never returned",
          content: {
            "application/json": {
              schema: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    tokenExcerpt: { type: "string", example: "a1B2…z9" },
                    createdAt: { type: "string", format: "date-time" },
                    expiresAt: { type: "string", format: "date-time" },
                    ipAddress: { type: "string", nullable: true },
                    userAgent: { type: "string", nullable: true },
                    device: {
                      type: "object",
                      properties: {
                        browser: { type: "string", nullable: true },
                        os: { type: "string", nullable: true },
                        type: { type: "string" },
                      },
                    },
                    isCurrent: { type: "boolean" },
                    impersonatedBy: { type: "string", nullable: true },
                  },
                },
              },
            },
          },
        },
        ...errors(401),
      },
    },
  },
  "/sessions/{id}": {
    delete: {
      tags: ["Gatehouse"],
      summary: "Revoke one of the caller's other sessions",
      security: bearer,
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      responses: {
        "204": { description: "Revoked" },
        "400": {
          description: "CANNOT_REVOKE_CURRENT_SESSION: sign out instead",
          content: { "application/json": { schema: errorBody } },
        },
        ...errors(401),
        "404": {
          description: "SESSION_NOT_FOUND (also for another user's session)",
          content: { "application/json": { schema: errorBody } },
        },
      },
    },
  },
  "/providers": {
    get: {
      tags: ["Gatehouse"],
      summary: "Enabled social and OpenID Connect sign-in providers",
      responses: { "200": { description: "Providers for the sign-in buttons" } },
    },
  },
} as const;

function page(spec: unknown): string {
  // The spec is embedded as JSON; "<" is escaped so no value can close the script element.
  const json = JSON.stringify(spec).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><title>Gatehouse auth API</title><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" type="application/json">${json}</script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script></body></html>`;
}

/**
 * The auth server's API reference: better-auth's generated OpenAPI document (openAPI plugin)
 * plus Gatehouse's custom routes, as JSON at /api/auth/openapi.json and as a page at
 * /api/auth/reference.
 */
export function openApiRoutes(auth: Auth): Hono {
  let cached: Promise<Record<string, any>> | null = null;
  const spec = (): Promise<Record<string, any>> => {
    cached ??= (async () => {
      const base = (await auth.api.generateOpenAPISchema()) as Record<string, any>;
      return {
        ...base,
        info: {
          ...base.info,
          title: "Gatehouse auth server",
          description: "better-auth endpoints and Gatehouse's own routes",
        },
        // The internal admin API serves the backend only (service token); it is documented in
        // plugins/internal-admin/README.md, not offered to clients.
        paths: {
          ...Object.fromEntries(Object.entries(base.paths ?? {}).filter(([path]) => !path.startsWith("/internal/"))),
          ...CUSTOM_PATHS,
        },
      };
    })();
    return cached;
  };
  return new Hono()
    .get("/api/auth/openapi.json", async (c) => c.json(await spec()))
    .get("/api/auth/reference", async (c) => c.html(page(await spec())));
}
