import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { StockSchemaError } from "./db/stock-schema.js";
import { ConfigError, loadEnv } from "./env.js";
import { createGatehouse } from "./gatehouse.js";
import { startHttpServer } from "./http-server.js";
import { REPO_ROOT } from "./paths.js";

// The repo-root .env fills in what the environment does not set (real variables win).
const dotenv = resolve(REPO_ROOT, ".env");
if (existsSync(dotenv)) process.loadEnvFile(dotenv);

let env: ReturnType<typeof loadEnv>;
try {
  env = loadEnv();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`auth-server: ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

const gatehouse = createGatehouse(env);
let applied: string[];
try {
  applied = await gatehouse.migrate();
} catch (err) {
  // A stock better-auth schema that was never imported: refuse rather than lock its users out.
  if (!(err instanceof StockSchemaError)) throw err;
  process.stderr.write(`auth-server: ${err.message}\n`);
  await gatehouse.close();
  process.exit(78); // EX_CONFIG
}
if (applied.length > 0) gatehouse.logger.info({ applied }, "migrations applied");
await gatehouse.startBackground();

const server = startHttpServer(
  { fetch: gatehouse.app.fetch, port: env.PORT, hostname: env.HOST, maxHeaderBytes: env.MAX_HEADER_BYTES },
  (info) => {
    gatehouse.logger.info(
      { url: `http://${info.address}:${info.port}`, database: gatehouse.database.kind },
      "auth server listening",
    );
  },
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  gatehouse.logger.info({ signal }, "shutting down");
  server.close();
  await gatehouse.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
