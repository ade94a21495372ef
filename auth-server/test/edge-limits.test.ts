import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer } from "../src/http-server.js";
import { ORIGIN, startTestServer, type TestServer } from "./harness.js";
import { RawConnection, rawChunked, rawRequest } from "./support/raw-http.js";

/**
 * Issue 12 items 13 and 14 over a real socket, through the same server start-up as production
 * (src/http-server.ts): request heads over MAX_HEADER_BYTES get 431 HEADERS_TOO_LARGE with
 * `{code, message}` and `Connection: close`, the same limit as the backend; a 413 says
 * `Connection: close` (the unread body makes the socket unusable), so a client that follows it
 * never reuses a dead connection, and a fresh one works.
 */
describe("HTTP edge limits", () => {
  let s: TestServer;
  let server: Server;
  let port: number;
  const LIMIT = 16 * 1024;
  const SIGN_IN = "/api/auth/sign-in/email";

  beforeAll(async () => {
    s = await startTestServer("sqlite");
    expect(s.env.MAX_HEADER_BYTES).toBe(LIMIT);
    server = startHttpServer({ fetch: s.gh.app.fetch, port: 0, hostname: "127.0.0.1", maxHeaderBytes: LIMIT });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await s.close();
  });

  it.each([
    ["one 17 KB header", { "X-Big": "a".repeat(17_000) }],
    ["many headers", Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`X-Many-${i}`, "b".repeat(200)]))],
    ["a large cookie", { Cookie: `c=${"d".repeat(20_000)}` }],
  ])("answers 431 HEADERS_TOO_LARGE for %s and closes", async (_name, headers) => {
    const conn = await RawConnection.open(port);
    const res = await conn.exchange(rawRequest("GET", "/health", headers));
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body).code).toBe("HEADERS_TOO_LARGE");
    expect(res.headers.connection).toBe("close");
    expect(await conn.closedByPeer()).toBe(true);
  });

  it("refuses an 8 MB header while it arrives", async () => {
    const conn = await RawConnection.open(port);
    conn.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
    conn.send(Buffer.alloc(64 * 1024, "e"));
    const res = await conn.read();
    expect(res.status).toBe(431);
    conn.close();
  });

  it("serves heads just under the limit on a reused connection", async () => {
    const conn = await RawConnection.open(port);
    for (let i = 0; i < 3; i++) {
      const res = await conn.exchange(rawRequest("GET", "/health", { "X-Fill": "f".repeat(LIMIT - 1024) }));
      expect(res.status).toBe(200);
    }
    conn.close();
  });

  it("answers other malformed requests with a {code, message} 400", async () => {
    const conn = await RawConnection.open(port);
    const res = await conn.exchange("GET /health HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe("BAD_REQUEST");
  });

  it.each([
    ["content-length", 70_000],
    ["content-length", 2_000_000],
    ["chunked", 70_000],
    ["chunked", 2_000_000],
  ])("after a 413 (%s, %i bytes) the client is told to close, and a new connection works", async (encoding, size) => {
    const body = Buffer.alloc(size, "x");
    const headers = { "Content-Type": "application/json", Origin: ORIGIN };
    const conn = await RawConnection.open(port);
    const refused = await conn.exchange(
      encoding === "chunked" ? rawChunked("POST", SIGN_IN, headers, body) : rawRequest("POST", SIGN_IN, headers, body),
    );
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body).code).toBe("PAYLOAD_TOO_LARGE");
    expect(refused.headers.connection).toBe("close");
    expect(await conn.closedByPeer()).toBe(true);
    const fresh = await RawConnection.open(port);
    expect((await fresh.exchange(rawRequest("GET", "/health"))).status).toBe(200);
    fresh.close();
  });
});
