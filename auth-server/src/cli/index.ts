import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../db/database.js";
import { ConfigError, loadEnv } from "../env.js";
import { createGatehouse } from "../gatehouse.js";
import { createAdmin } from "./create-admin.js";
import { doctor, formatFindings } from "./doctor.js";
import { rotateKeys } from "./rotate-keys.js";

const USAGE = `Usage: npm run gatehouse -- <command> [options]

Commands:
  migrate                         apply pending database migrations
  create-admin --email E [--name N] [--password P]
                                  promote E to admin, or create a verified admin account
  rotate-keys                     sign new JWTs with a fresh key; old keys stay published
  doctor                          check configuration, database, mail and say what is wrong
`;

/** Runs one CLI command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const dotenv = resolve(REPO_ROOT, ".env");
  if (existsSync(dotenv)) process.loadEnvFile(dotenv);
  const [command, ...rest] = argv;
  if (command === "doctor") {
    const findings = await doctor(process.env);
    process.stdout.write(`Gatehouse doctor\n${formatFindings(findings)}\n`);
    return findings.every((f) => f.ok) ? 0 : 1;
  }
  if (!command || !["migrate", "create-admin", "rotate-keys"].includes(command)) {
    process.stdout.write(USAGE);
    return command ? 2 : 0;
  }
  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv({ ...process.env, LOG_LEVEL: "warn" });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nRun \`npm run gatehouse -- doctor\` for fixes.\n`);
      return 78;
    }
    throw err;
  }
  const gh = createGatehouse(env);
  try {
    await gh.migrate();
    if (command === "migrate") {
      process.stdout.write("database is up to date\n");
    } else if (command === "create-admin") {
      const { values } = parseArgs({
        args: rest,
        options: { email: { type: "string" }, name: { type: "string" }, password: { type: "string" } },
      });
      if (!values.email) {
        process.stderr.write("create-admin needs --email\n");
        return 2;
      }
      const r = await createAdmin(gh, values.email, { name: values.name, password: values.password });
      process.stdout.write(
        r.created
          ? `created admin ${values.email} (${r.userId})\n`
          : `promoted ${values.email} (${r.userId}) to admin\n`,
      );
      if (r.generatedPassword) process.stdout.write(`password (shown once): ${r.generatedPassword}\n`);
    } else {
      const r = await rotateKeys(gh);
      process.stdout.write(
        `new signing key ${r.newKid}; retired ${r.retired.length} key(s), still published for the grace period\n`,
      );
    }
    return 0;
  } finally {
    await gh.close();
  }
}

const invoked = process.argv[1] && resolve(process.argv[1]).endsWith(`cli${"/"}index.ts`);
if (invoked) process.exitCode = await main(process.argv.slice(2));
