import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { setResponseHeaders } from "./response-headers.js";

function appAnswering(answer: () => Response) {
  const app = new Hono();
  let seen: Response | undefined;
  app.use("*", async (c, next) => {
    await next();
    seen = c.res;
    setResponseHeaders(c, (headers) => {
      headers.set("X-Added", "1");
      headers.append("Vary", "Origin");
    });
  });
  app.get("/", () => answer());
  return { app, handlerResponse: () => seen };
}

describe("setResponseHeaders", () => {
  it("writes onto the handler's own response, keeping its status, body and headers", async () => {
    const { app, handlerResponse } = appAnswering(
      () =>
        new Response('{"ok":true}', { status: 201, headers: { "content-type": "application/json", vary: "Cookie" } }),
    );
    const res = await app.request("/");
    expect(res.status).toBe(201);
    expect(res.headers.get("x-added")).toBe("1");
    expect(res.headers.get("vary")).toBe("Cookie, Origin");
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe('{"ok":true}');
    // No copy: what the app answers is the object the handler returned.
    expect(res).toBe(handlerResponse());
  });

  it("copies a response with immutable headers once and writes the copy (Response.redirect)", async () => {
    const { app } = appAnswering(() => Response.redirect("http://127.0.0.1/next", 302));
    const res = await app.request("/");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://127.0.0.1/next");
    expect(res.headers.get("x-added")).toBe("1");
    expect(res.headers.get("vary")).toBe("Origin");
  });

  it("lets an error that is not the immutable-headers TypeError through", async () => {
    const app = new Hono();
    app.use("*", async (c, next) => {
      await next();
      setResponseHeaders(c, () => {
        throw new RangeError("boom");
      });
    });
    app.get("/", (c) => c.text("x"));
    app.onError((err, c) => c.text(err.name, 500));
    const res = await app.request("/");
    expect(await res.text()).toBe("RangeError");
  });
});
