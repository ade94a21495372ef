import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A real TCP forwarder on 127.0.0.1 that a test can cut (every forwarded connection reset, new
 * ones refused, as by a database host that went away) and restore on the same port, or stall
 * (connections stay open, nothing is passed on either way, as by a server that hung or a network
 * that went silent) and resume (what was held back is delivered, in order).
 */
export class TcpProxy {
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  private held: Array<[Socket, Buffer]> = [];

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens (a free port the first time, the same port afterwards). */
  async start(): Promise<this> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address && typeof address === "object") this.port = address.port;
    this.server = server;
    return this;
  }

  /** Refuses new connections and resets every open one. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Passes nothing on from now until `resume`; connections stay open and new ones are accepted. */
  stall(): void {
    this.stalled = true;
  }

  /** Delivers what was held back, in order, and forwards again. */
  resume(): void {
    this.stalled = false;
    const held = this.held;
    this.held = [];
    for (const [to, chunk] of held) if (!to.destroyed) to.write(chunk);
  }

  private forward(from: Socket, to: Socket): void {
    from.on("data", (chunk: Buffer) => {
      if (this.stalled) this.held.push([to, chunk]);
      else to.write(chunk);
    });
  }

  /** Accepts connections again. */
  async restore(): Promise<void> {
    await this.start();
  }
}
