import { connect, type Socket } from "node:net";

/** A parsed HTTP/1.1 response: status, lower-cased headers, body text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One keep-alive connection spoken in raw HTTP/1.1, for what fetch hides: reuse after an error,
 * oversized heads, `Connection: close`.
 */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async until(ready: () => boolean, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (!ready()) {
      if (this.closed) throw new Error("connection closed before a response");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${withinMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Writes bytes; a peer that already closed may refuse the rest (its answer is what counts). */
  send(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Reads one response (Content-Length body). */
  async read(withinMs = 10_000): Promise<RawResponse> {
    await this.until(() => this.buffer.includes("\r\n\r\n"), withinMs);
    const end = this.buffer.indexOf("\r\n\r\n");
    const [statusLine, ...lines] = this.buffer.subarray(0, end).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(":");
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    await this.until(() => this.buffer.length >= end + 4 + length, withinMs);
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString("utf8");
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status: Number(statusLine?.split(" ")[1]), headers, body };
  }

  async exchange(data: string | Buffer, withinMs = 10_000): Promise<RawResponse> {
    this.send(data);
    return this.read(withinMs);
  }

  /** Whether the peer closes the connection within `withinMs`. */
  async closedByPeer(withinMs = 5_000): Promise<boolean> {
    try {
      await this.until(() => this.closed, withinMs);
      return true;
    } catch {
      return this.closed;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Serialises a request (Content-Length added for a body). */
export function rawRequest(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Buffer {
  const lines = [
    `${method} ${target} HTTP/1.1`,
    "Host: 127.0.0.1",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (body) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body ?? Buffer.alloc(0)]);
}

/** Serialises a request with a chunked body. */
export function rawChunked(method: string, target: string, headers: Record<string, string>, body: Buffer): Buffer {
  const parts = [rawRequest(method, target, { ...headers, "Transfer-Encoding": "chunked" })];
  for (let i = 0; i < body.length; i += 8192) {
    const chunk = body.subarray(i, i + 8192);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}
