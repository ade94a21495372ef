import { spawn } from "node:child_process";
import { createConnection } from "node:net";
// @ts-expect-error -- plain ESM script, no type declarations.
import { freePort } from "../../../scripts/embedded-pg.mjs";
import { eventually } from "./wait.js";

/**
 * Starts Debian's redis-server (installed by `make test` through scripts/ensure-redis.sh) on a
 * free 127.0.0.1 port, without persistence.
 */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = (await freePort()) as number;
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const failed = new Promise<never>((_, reject) => proc.once("error", reject));
  const accepts = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port }, () => {
        sock.end();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
  const ready = eventually(accepts, 10_000, "redis-server did not start");
  await Promise.race([ready, failed]);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    },
  };
}
