import { Hono } from "hono";
import type { Auth } from "../auth.js";
import { type ErrorBody, ErrorCode } from "../errors.js";
import { buildOpenApiDocument, type OpenApiDocument } from "../openapi/document.js";
import { apiReferenceRoutes, REFERENCE_PATH } from "./api-reference.js";

export const OPENAPI_PATH = "/api/auth/openapi.json";

/**
 * The auth server's API reference: the OpenAPI 3.1 document at /api/auth/openapi.json (built once,
 * openapi/document.ts) and its viewer at /api/auth/reference (api-reference.ts), both only when
 * `enabled` (API_REFERENCE_ENABLED; off by default in production). better-auth's own copy of the
 * document (`/api/auth/open-api/generate-schema`, uncorrected) is never served.
 */
export function openApiRoutes(auth: Auth, enabled: boolean): Hono {
  const app = new Hono();
  // Every method alike: a path answered 404 is not served, so no method is refused 405 on it
  // (middleware/allowed-methods.ts reads GET routes as served, and leaves `all` ones out).
  const notFound = (path: string) =>
    app.all(path, (c) =>
      c.json<ErrorBody>({ code: ErrorCode.NOT_FOUND, message: `No route for ${c.req.method} ${c.req.path}.` }, 404),
    );
  notFound("/api/auth/open-api/*");
  if (!enabled) {
    notFound(OPENAPI_PATH);
    notFound(REFERENCE_PATH);
    notFound(`${REFERENCE_PATH}/*`);
    return app;
  }
  let cached: Promise<OpenApiDocument> | null = null;
  app.get(OPENAPI_PATH, async (c) => {
    cached ??= buildOpenApiDocument(auth).catch((err: unknown) => {
      cached = null; // a failed build is retried by the next request
      throw err;
    });
    return c.json(await cached);
  });
  app.route("/", apiReferenceRoutes());
  return app;
}
