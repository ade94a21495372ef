import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadEnv } from "../env.js";
import { createGatehouse } from "../gatehouse.js";
import { REPO_ROOT } from "./database.js";

/** `npm run migrate -w auth-server`: applies pending migrations and exits. Idempotent. */
const dotenv = resolve(REPO_ROOT, ".env");
if (existsSync(dotenv)) process.loadEnvFile(dotenv);
const gatehouse = createGatehouse(loadEnv({ LOG_LEVEL: "warn", ...process.env }));
try {
  const applied = await gatehouse.migrate();
  process.stdout.write(applied.length ? `applied:\n  ${applied.join("\n  ")}\n` : "database is up to date\n");
} finally {
  await gatehouse.close();
}
