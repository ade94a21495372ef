import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
// @ts-expect-error -- plain ESM script shared with the backend's tests, no type declarations.
import { freePort } from "../../../scripts/embedded-pg.mjs";
import { TEST_SECRET } from "../harness.js";
import { stopProcess, untilHealthy } from "./wait.js";

const AUTH_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface AuthProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** How long a spawned server may take to answer /health, in ms. */
const START_TIMEOUT_MS = 60_000;

/** How to run the server: the TypeScript sources through tsx (default) or a compiled entry. */
export const TSX_ENTRY = ["--import", "tsx", "src/index.ts"];

/**
 * Starts the real auth server on a free 127.0.0.1 port: `node <nodeArgs>` in auth-server/, by default
 * `src/index.ts` through tsx; pass e.g. `["dist/index.js"]` for the compiled build.
 */
export async function spawnAuthServer(
  env: Record<string, string>,
  nodeArgs: string[] = TSX_ENTRY,
): Promise<AuthProcess> {
  const port = (await freePort()) as number;
  const url = `http://127.0.0.1:${port}`;
  let out = "";
  const proc = spawn(process.execPath, nodeArgs, {
    cwd: AUTH_DIR,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      PORT: String(port),
      HOST: "127.0.0.1",
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_URL: url,
      FRONTEND_URL: "http://localhost:5173",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout?.on("data", (d) => {
    out += String(d);
  });
  proc.stderr?.on("data", (d) => {
    out += String(d);
  });
  // tsx compiles the sources on start: ~2 s idle, 15 s measured at load 30 on the shared 2-core
  // machine, and two servers start back to back. The bound fits that; the wait itself is on /health.
  await untilHealthy(proc, url, START_TIMEOUT_MS, "auth server", () => out);
  return {
    url,
    proc,
    output: () => out,
    stop: () => stopProcess(proc),
  };
}
