import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { oauthRoutes } from "./routes.js";

const env = {
  NODE_ENV: "test",
  BETTER_AUTH_URL: "http://localhost:3000",
  FRONTEND_URL: "http://localhost:5173",
  CORS_ORIGINS: ["http://localhost:5173", "https://admin.example"],
  OIDC_PROVIDERS: [],
};

/** The callback route around a fake better-auth handler. */
function route(handler: (req: Request) => Promise<Response>) {
  return oauthRoutes({ handler, env, logger: createLogger("silent") });
}

const redirect = (location: string, cookies: string[] = []): Response => {
  const headers = new Headers({ Location: location });
  for (const c of cookies) headers.append("Set-Cookie", c);
  return new Response(null, { status: 302, headers });
};

const callback = "http://localhost:3000/api/auth/callback/acme?code=c&state=s";

describe("OAuth callback route", () => {
  it("passes a successful sign-in through untouched", async () => {
    const res = await route(async () => redirect("http://localhost:5173/dashboard", ["sid=1; Path=/"])).request(
      callback,
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("http://localhost:5173/dashboard");
    expect(res.headers.getSetCookie()).toEqual(["sid=1; Path=/"]);
  });

  it("passes better-auth's form_post-to-GET hop through", async () => {
    const self = "http://localhost:3000/api/auth/callback/acme?error=access_denied&state=s";
    const res = await route(async () => redirect(self)).request(callback, { method: "POST" });
    expect(res.headers.get("Location")).toBe(self);
  });

  it.each([
    [
      "better-auth's error page",
      "http://localhost:3000/api/auth/error?error=state_mismatch",
      "/sign-in",
      "STATE_MISMATCH",
    ],
    ["an untrusted page", "https://evil.example/x?error=access_denied", "/sign-in", "ACCESS_DENIED"],
  ])("sends a failure aimed at %s to the web app's sign-in page", async (_, location, path, code) => {
    const res = await route(async () => redirect(location, ["better-auth.state=; Max-Age=0"])).request(callback);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`http://localhost:5173${path}?error=${code}`);
    expect(res.headers.getSetCookie()).toEqual(["better-auth.state=; Max-Age=0"]);
  });

  it("keeps a per-flow error page on a trusted origin, drops the description", async () => {
    const res = await route(async () =>
      redirect("https://admin.example/account?tab=links&error=email_does_not_match&error_description=nope"),
    ).request(callback);
    expect(res.headers.get("Location")).toBe("https://admin.example/account?tab=links&error=EMAIL_DOES_NOT_MATCH");
  });

  it.each([
    ["throws", async (): Promise<Response> => Promise.reject(new Error("db gone")), "OAUTH_FAILED"],
    ["answers 500", async () => new Response("boom", { status: 500 }), "OAUTH_FAILED"],
    [
      "answers a JSON error with one of our codes",
      async () => Response.json({ code: "PROVIDER_UNAVAILABLE", message: "down" }, { status: 503 }),
      "PROVIDER_UNAVAILABLE",
    ],
    [
      "answers a JSON error with its own code",
      async () => Response.json({ code: "VALIDATION_FAILED", message: "no" }, { status: 403 }),
      "OAUTH_FAILED",
    ],
  ])("never answers with an error when better-auth %s", async (_, handler, code) => {
    const res = await route(handler).request(callback);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`http://localhost:5173/sign-in?error=${code}`);
  });

  it("lists no providers when none is configured", async () => {
    const res = await route(async () => new Response()).request("/api/auth/providers");
    expect(await res.json()).toEqual([]);
  });
});
