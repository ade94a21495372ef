#!/usr/bin/env node
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { StockSchemaError } from "../db/stock-schema.js";
import { ConfigError, type Env, loadEnv } from "../env.js";
import { createGatehouse } from "../gatehouse.js";
import { REPO_ROOT } from "../paths.js";
import { type Command, CommandError, EXIT, type Io } from "./command.js";
import { createAdmin } from "./create-admin.js";
import { doctor, formatFindings } from "./doctor.js";
import { importCommand } from "./import/command.js";
import { rotateKeys } from "./rotate-keys.js";

export { EXIT } from "./command.js";

export const USAGE = `Gatehouse auth server command line

Usage, from the repository root (development, runs the TypeScript sources):
  npm run -s gatehouse -w auth-server -- <command> [options]
Compiled (after \`npm run build -w auth-server\`), from the repository root:
  node auth-server/dist/cli/index.js <command> [options]
  (in the Docker image: node dist/cli/index.js <command> [options])

Commands:
  migrate                         apply pending database migrations
  create-admin --email E [--name N] [--password P]
                                  promote E to admin, or create a verified admin account
  rotate-keys                     sign new JWTs with a fresh key; old keys stay published
  doctor                          check configuration, database, mail and say what is wrong
  import better-auth --from <database-url> [--dry-run] [--mapping file.json]
                                  copy a stock better-auth database (users, password hashes,
                                  sessions, verifications, signing keys, admin columns) into
                                  Gatehouse in one transaction; idempotent; --from may be
                                  Gatehouse's own DATABASE_URL (in place) or a second database
  help                            show this text

Settings come from the environment and the repository's .env (see .env.example).
`;

const HELP_FLAGS = new Set(["help", "--help", "-h"]);

const COMMANDS: Record<string, Command> = {
  migrate: {
    options: {},
    async run(_gh, _values, io) {
      io.out("database is up to date\n");
      return EXIT.OK;
    },
  },
  "create-admin": {
    options: { email: { type: "string" }, name: { type: "string" }, password: { type: "string" } },
    async run(gh, values, io) {
      const email = values.email as string | undefined;
      if (!email) throw new CommandError("create-admin needs --email", EXIT.USAGE);
      const r = await createAdmin(gh, email, {
        name: values.name as string | undefined,
        password: values.password as string | undefined,
      });
      io.out(r.created ? `created admin ${email} (${r.userId})\n` : `promoted ${email} (${r.userId}) to admin\n`);
      if (r.generatedPassword) io.out(`password (shown once): ${r.generatedPassword}\n`);
      return EXIT.OK;
    },
  },
  "rotate-keys": {
    options: {},
    async run(gh, _values, io) {
      const r = await rotateKeys(gh);
      io.out(`new signing key ${r.newKid}; retired ${r.retired.length} key(s), still published for the grace period\n`);
      return EXIT.OK;
    },
  },
  import: importCommand,
};

function loadCliEnv(io: Io): Env | null {
  try {
    return loadEnv({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\nRun \`npm run -s gatehouse -w auth-server -- doctor\` for fixes.\n`);
    return null;
  }
}

/**
 * Runs one CLI command and returns the process exit code (see {@link EXIT}); never throws for
 * operator mistakes (bad arguments, configuration, a refused command), which are printed instead.
 */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const dotenv = resolve(REPO_ROOT, ".env");
  if (existsSync(dotenv)) process.loadEnvFile(dotenv);
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(USAGE);
    return EXIT.USAGE;
  }
  if (HELP_FLAGS.has(command) || rest.some((a) => a === "--help" || a === "-h")) {
    io.out(USAGE);
    return EXIT.OK;
  }
  try {
    if (command === "doctor") {
      const findings = await doctor(process.env);
      io.out(`Gatehouse doctor\n${formatFindings(findings)}\n`);
      return findings.every((f) => f.ok) ? EXIT.OK : EXIT.FAILURE;
    }
    const cmd = COMMANDS[command];
    if (!cmd) throw new CommandError(`unknown command "${command}"\n\n${USAGE}`, EXIT.USAGE);
    const { values, positionals } = parseArgs({
      args: rest,
      options: cmd.options,
      strict: true,
      allowPositionals: (cmd.positionals ?? 0) > 0,
    });
    if (positionals.length > (cmd.positionals ?? 0))
      throw new CommandError(`unexpected argument "${positionals.at(-1)}"`, EXIT.USAGE);
    const env = loadCliEnv(io);
    if (!env) return EXIT.CONFIG;
    const gh = createGatehouse(env);
    try {
      if (cmd.migrates !== false) await gh.migrate();
      return await cmd.run(gh, values, io, positionals);
    } finally {
      await gh.close();
    }
  } catch (err) {
    if (err instanceof CommandError) {
      io.err(`gatehouse ${command}: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof StockSchemaError) {
      io.err(`gatehouse ${command}: ${err.message}\n`);
      return EXIT.CONFIG;
    }
    // parseArgs: unknown option, missing value, positional where none is allowed.
    if ((err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS_")) {
      io.err(`gatehouse ${command}: ${(err as Error).message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** True when this module is the program node was started with (tsx or compiled), not an import. */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
