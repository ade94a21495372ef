import { Hono } from "hono";
import { cors } from "hono/cors";
import { describe, expect, it } from "vitest";
import { type ApiCorsOptions, apiCors } from "./cors.js";

const OPTIONS: ApiCorsOptions = {
  origin: ["http://app.example"],
  credentials: true,
  allowMethods: ["GET", "POST", "OPTIONS"],
  allowHeaders: ["Content-Type", "Authorization"],
  exposeHeaders: ["set-auth-token", "X-Request-ID"],
  maxAge: 600,
};

/** The same little API behind Hono's cors() and behind apiCors(). */
function appWith(mw: ReturnType<typeof cors>): Hono {
  const app = new Hono();
  app.use("/api/*", mw);
  app.get("/api/json", (c) => c.json({ ok: true }));
  app.get("/api/vary", (c) => c.text("x", 200, { Vary: "Accept-Encoding" }));
  app.get("/api/redirect", () => Response.redirect("http://app.example/next", 302));
  app.get("/api/boom", () => {
    throw new Error("boom");
  });
  app.onError((_err, c) => c.json({ code: "INTERNAL_ERROR", message: "x" }, 500));
  return app;
}

const hono = appWith(cors(OPTIONS));
const ours = appWith(apiCors(OPTIONS));

const corsHeaders = (res: Response): Record<string, string | null> => ({
  status: String(res.status),
  allowOrigin: res.headers.get("access-control-allow-origin"),
  credentials: res.headers.get("access-control-allow-credentials"),
  expose: res.headers.get("access-control-expose-headers"),
  methods: res.headers.get("access-control-allow-methods"),
  allowHeaders: res.headers.get("access-control-allow-headers"),
  maxAge: res.headers.get("access-control-max-age"),
  vary: res.headers.get("vary"),
  location: res.headers.get("location"),
});

describe("apiCors", () => {
  const cases: Array<[string, RequestInit]> = [
    ["/api/json", { headers: { Origin: "http://app.example" } }],
    ["/api/json", { headers: { Origin: "http://evil.example" } }],
    ["/api/json", {}],
    ["/api/vary", { headers: { Origin: "http://app.example" } }],
    ["/api/redirect", { headers: { Origin: "http://app.example" } }],
    ["/api/boom", { headers: { Origin: "http://app.example" } }],
    ["/api/nothing-here", { headers: { Origin: "http://app.example" } }],
    [
      "/api/json",
      {
        method: "OPTIONS",
        headers: { Origin: "http://app.example", "Access-Control-Request-Method": "POST" },
      },
    ],
  ];

  it.each(cases)("answers %s like Hono's cors() (%o)", async (path, init) => {
    const expected = corsHeaders(await hono.request(path, init));
    const actual = corsHeaders(await ours.request(path, init));
    expect(actual).toEqual(expected);
  });

  it("keeps the handler's body and lists the allowed origin only", async () => {
    const res = await ours.request("/api/json", { headers: { Origin: "http://app.example" } });
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get("access-control-allow-origin")).toBe("http://app.example");
  });
});
