import { Hono } from "hono";
import type { Auth } from "./auth.js";
import type { Database } from "./db/database.js";
import { answerDatabaseOutages, databaseUnavailableResponse, isDatabaseUnavailable } from "./db/unavailable.js";
import { type Mailer, OutboxMailer } from "./email/index.js";
import type { Env } from "./env.js";
import { codeForStatus, type ErrorBody, ErrorCode, HttpError } from "./errors.js";
import { type Logger, loggedPath, requestLogLevel } from "./logger.js";
import { AllowedMethods, appRoutes, betterAuthRoutes } from "./middleware/allowed-methods.js";
import { limitRequestBodies } from "./middleware/body-limit.js";
import { apiCors } from "./middleware/cors.js";
import { normalizeErrorResponse } from "./middleware/error-body.js";
import { betterAuthOriginCheck } from "./middleware/origin-check.js";
import { normaliseRedirectTargets } from "./middleware/redirect-targets.js";
import { requestId } from "./middleware/request-id.js";
import { oauthRoutes } from "./oauth/index.js";
import { notServed } from "./openapi/document.js";
import type { SessionActivity } from "./plugins/session-activity/index.js";
import { WAITER_HEADER } from "./plugins/verification-waiter/index.js";
import { devOutboxRoutes } from "./routes/dev-outbox.js";
import { fastSessionRoutes } from "./routes/fast-session.js";
import { healthRoutes } from "./routes/health.js";
import { landingRoutes } from "./routes/landing.js";
import { openApiRoutes } from "./routes/openapi.js";
import { sessionRoutes } from "./routes/sessions.js";
import { clientIp, trustedProxyList } from "./security/client-ip.js";
import { noStore, securityHeaders } from "./security/headers.js";

/** Largest request body accepted anywhere; a 1 MB password never reaches a hash function. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface AppDeps {
  env: Env;
  auth: Auth;
  database: Database;
  mailer: Mailer;
  logger: Logger;
  sessionActivity: SessionActivity;
}

type AppEnv = { Variables: { requestId: string } };

/**
 * The Hono app. Order matters: request id and logging first, CORS before anything that can answer,
 * the body limit before any handler reads a body, custom routes before the better-auth catch-all.
 */
export function createApp({ env, auth, database, mailer, logger, sessionActivity }: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    logger[requestLogLevel(c.res.status, env.LOG_FORMAT)](
      {
        request_id: c.get("requestId"),
        method: c.req.method,
        path: loggedPath(c.req.path),
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
      },
      "request",
    );
  });
  // After the request log (which then shows the final status), before anything that reads the database.
  app.use(
    "*",
    answerDatabaseOutages((c, status) =>
      logger.warn({ request_id: c.get("requestId"), replaced_status: status }, "database unavailable"),
    ),
  );
  app.use("*", securityHeaders(env.BETTER_AUTH_URL.startsWith("https://")));
  app.use("*", clientIp(trustedProxyList(env.TRUSTED_PROXIES)));
  app.use("/api/auth/*", noStore);
  app.use(
    "/api/*",
    apiCors({
      origin: env.CORS_ORIGINS,
      credentials: true,
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ["Content-Type", "Authorization", "X-Request-ID", WAITER_HEADER],
      exposeHeaders: ["set-auth-token", "X-Request-ID", "Retry-After"],
      maxAge: 600,
    }),
  );
  app.use(
    "*",
    limitRequestBodies({
      maxSize: MAX_BODY_BYTES,
      // The unread rest of the body makes the socket unusable: say so, so clients open a new one.
      onError: (c) =>
        c.json<ErrorBody>(
          { code: ErrorCode.PAYLOAD_TOO_LARGE, message: `Request body is larger than ${MAX_BODY_BYTES} bytes.` },
          413,
          { Connection: "close" },
        ),
    }),
  );

  // Every redirect target in its one browser-followed form before anything checks or stores it.
  app.use("/api/auth/*", normaliseRedirectTargets());
  // better-auth's origin rule for every state-changing request, Gatehouse's own routes included.
  app.use("*", betterAuthOriginCheck(auth));

  app.route("/", landingRoutes(env));
  app.route("/", healthRoutes(database));
  if (env.NODE_ENV !== "production" && mailer instanceof OutboxMailer) app.route("/", devOutboxRoutes(mailer));

  // The one-lookup get-session and /me answer the plain case and fall through to better-auth
  // (sessionRoutes for /me) for the rest; each session they answer for counts as a use.
  app.route(
    "/",
    fastSessionRoutes({
      auth,
      database,
      databaseUrl: env.DATABASE_URL,
      onSessionUsed: (sessionId) => sessionActivity.touch(sessionId),
      onGetSessionOff: (reason) => logger.warn({ reason }, "get-session is answered by better-auth only"),
    }),
  );
  app.route("/", sessionRoutes(auth, sessionActivity));
  app.route("/", openApiRoutes(auth, env.API_REFERENCE_ENABLED));
  app.route("/", oauthRoutes({ handler: auth.handler, env, logger }));
  // A served path asked with another method is 405 with Allow, as on the backend; better-auth's router
  // and Hono answer it 404 (better-auth's with no body, which is how it is told from other 404s).
  const allowed = new AllowedMethods(() => [
    ...betterAuthRoutes(auth.api, "/api/auth", notServed(auth.options)),
    ...appRoutes(app.routes),
  ]);
  app.on(["GET", "POST"], "/api/auth/*", async (c) => {
    // HEAD is GET without the body (RFC 9110 §9.3.2), as Hono answers it for every GET route;
    // better-auth's router knows no HEAD (it answered 404 for a served GET), so it is asked GET.
    const raw = c.req.method === "HEAD" ? new Request(c.req.raw, { method: "GET" }) : c.req.raw;
    const res = await auth.handler(raw);
    if (res.status === 404 && res.body === null) return allowed.refusal(c) ?? normalizeErrorResponse(res);
    // better-auth's own 405s (POST get-session) keep their code and gain the Allow a 405 must carry.
    if (res.status === 405 && !res.headers.has("Allow")) {
      const allow = allowed.of(c.req.path);
      if (allow.length) res.headers.set("Allow", allow.join(", "));
    }
    return normalizeErrorResponse(res);
  });

  app.notFound(
    (c) =>
      allowed.refusal(c) ??
      c.json<ErrorBody>({ code: ErrorCode.NOT_FOUND, message: `No route for ${c.req.method} ${c.req.path}.` }, 404),
  );
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json<ErrorBody>({ code: err.code, message: err.message }, err.status);
    if (isDatabaseUnavailable(err)) {
      logger.warn({ request_id: c.get("requestId"), err }, "database unavailable");
      return databaseUnavailableResponse();
    }
    const status = (err as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return c.json<ErrorBody>({ code: codeForStatus(status), message: err.message || "Bad request." }, status as 400);
    }
    const request_id = c.get("requestId");
    logger.error({ request_id, err }, "unhandled error");
    return c.json<ErrorBody>(
      { code: ErrorCode.INTERNAL_ERROR, message: "Something went wrong on our side.", request_id },
      500,
    );
  });
  return app;
}
