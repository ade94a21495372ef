import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { limitRequestBodies } from "./body-limit.js";

function app(): Hono {
  const a = new Hono();
  a.use("*", limitRequestBodies({ maxSize: 16, onError: (c) => c.json({ code: "PAYLOAD_TOO_LARGE" }, 413) }));
  a.all("/echo", async (c) => c.text(c.req.method === "GET" ? "got" : await c.req.text()));
  return a;
}

describe("limitRequestBodies", () => {
  it("refuses a body over the limit on POST, PUT, PATCH and DELETE", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await app().request("/echo", { method, body: "x".repeat(17) });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ code: "PAYLOAD_TOO_LARGE" });
    }
  });

  it("passes a body within the limit", async () => {
    const res = await app().request("/echo", { method: "POST", body: "x".repeat(16) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("x".repeat(16));
  });

  it("lets GET and HEAD through without looking for a body", async () => {
    expect(await (await app().request("/echo")).text()).toBe("got");
    expect((await app().request("/echo", { method: "HEAD" })).status).toBe(200);
  });
});
