import { ERROR_BODY_REF } from "./errors.js";
import type { Schema } from "./json-schema.js";

const error = (description: string): Schema => ({
  description,
  content: { "application/json": { schema: { $ref: ERROR_BODY_REF } } },
});
const json = (description: string, schema: Schema): Schema => ({
  description,
  content: { "application/json": { schema } },
});

const session = { session: "required" } as const;

/**
 * Gatehouse's own routes under /api/auth (routes/sessions.ts, routes/fast-session.ts,
 * oauth/routes.ts), in OpenAPI 3.1. `x-gatehouse-session` says whether a session is needed
 * (document.ts turns it into `security`); errors beyond the ones listed are added there too.
 */
export const GATEHOUSE_PATHS: Record<string, Record<string, Schema>> = {
  "/me": {
    get: {
      tags: ["Gatehouse"],
      operationId: "getMe",
      summary: "The signed-in user",
      "x-gatehouse-session": session.session,
      responses: {
        "200": json("Profile", {
          type: "object",
          properties: {
            id: { type: "string" },
            email: { type: "string" },
            name: { type: "string" },
            image: { type: ["string", "null"] },
            emailVerified: { type: "boolean" },
            role: {
              type: "string",
              description: "The configured role names the user holds, joined by ','",
              examples: ["user"],
            },
          },
          required: ["id", "email", "name", "image", "emailVerified", "role"],
        }),
      },
    },
  },
  "/sessions": {
    get: {
      tags: ["Gatehouse"],
      operationId: "listMySessions",
      summary: "Live sessions of the caller, with device summaries",
      "x-gatehouse-session": session.session,
      responses: {
        "200": json("Sessions, newest first; the token itself is never returned", {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "string" },
              tokenExcerpt: { type: "string", examples: ["a1B2…z9"] },
              createdAt: { type: "string", format: "date-time" },
              lastActiveAt: { type: "string", format: "date-time" },
              expiresAt: { type: "string", format: "date-time" },
              ipAddress: { type: ["string", "null"] },
              userAgent: { type: ["string", "null"] },
              device: {
                type: "object",
                properties: {
                  browser: { type: ["string", "null"] },
                  os: { type: ["string", "null"] },
                  type: { type: "string", enum: ["desktop", "mobile", "tablet", "bot", "other"] },
                },
                required: ["browser", "os", "type"],
              },
              isCurrent: { type: "boolean" },
              impersonatedBy: { type: ["string", "null"] },
            },
            required: [
              "id",
              "tokenExcerpt",
              "createdAt",
              "lastActiveAt",
              "expiresAt",
              "ipAddress",
              "userAgent",
              "device",
              "isCurrent",
              "impersonatedBy",
            ],
          },
        }),
      },
    },
  },
  "/sessions/{id}": {
    delete: {
      tags: ["Gatehouse"],
      operationId: "revokeMySession",
      summary: "Revoke one of the caller's other sessions",
      "x-gatehouse-session": session.session,
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      responses: {
        "204": { description: "Revoked" },
        "400": error("CANNOT_REVOKE_CURRENT_SESSION: sign out instead"),
        "404": error("SESSION_NOT_FOUND (also for another user's session)"),
      },
    },
  },
  "/providers": {
    get: {
      tags: ["Gatehouse"],
      operationId: "listProviders",
      summary: "Enabled social and OpenID Connect sign-in providers",
      "x-gatehouse-session": "none",
      responses: {
        "200": json("Providers for the sign-in buttons, in display order", {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "string" },
              name: { type: "string" },
              type: { type: "string", enum: ["social", "oidc"] },
            },
            required: ["id", "name", "type"],
          },
        }),
      },
    },
  },
};
