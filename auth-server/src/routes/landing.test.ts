import { describe, expect, it } from "vitest";
import { landingRoutes } from "./landing.js";

const app = landingRoutes({ FRONTEND_URL: "http://localhost:5173", BETTER_AUTH_URL: "http://localhost:3000/" });

describe("GET /", () => {
  it("points a browser to the app and the API reference", async () => {
    const res = await app.request("/", { headers: { Accept: "text/html,application/xhtml+xml" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<a href="http://localhost:5173">Open the app</a>');
    expect(page).toContain('href="http://localhost:3000/api/auth/reference"');
    expect(page).not.toContain("<script");
  });

  it("answers other clients with the same links as JSON", async () => {
    const res = await app.request("/");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: "Gatehouse auth server",
      app: "http://localhost:5173",
      reference: "http://localhost:3000/api/auth/reference",
      health: "http://localhost:3000/health",
      jwks: "http://localhost:3000/api/auth/jwks",
    });
  });
});
