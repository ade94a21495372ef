import { symmetricDecrypt, symmetricEncrypt } from "better-auth/crypto";
import type { Kysely } from "kysely";
import { ROLE_NAMES } from "../../contract.gen.js";
import type { DatabaseKind } from "../../db/database.js";
import { isLegacyHash } from "../../password.js";
import { readBoolean, readDate } from "./convert.js";
import { SKIP } from "./report.js";
import type { Model, Schema } from "./schema.js";

/**
 * What the import decides for each source row, model by model. Rows an earlier import brought over
 * are sorted out before these rules run (see importer.ts); the rules see only rows new to Gatehouse.
 */

/** better-auth values of one source row, by logical field name. */
export type Values = Record<string, unknown> & { id: string };

export type Verdict = { kind: "import"; values: Values } | { kind: "skip"; reason: string; detail: string };

/** State shared by the rules during one run. */
export interface Run {
  /** Gatehouse's database (the import's transaction). */
  dst: Kysely<any>;
  kind: DatabaseKind;
  target: Schema;
  /** False in a dry run on a database Gatehouse has not migrated yet: nothing to collide with. */
  targetReady: boolean;
  now: Date;
  /** better-auth's secret configuration: decrypts the stock private keys, encrypts plaintext ones. */
  secret: Parameters<typeof symmetricDecrypt>[0]["key"];
  /** False while Gatehouse has no import ledger yet (a dry run before the first migration). */
  ledgerReady: boolean;
  /** Target tables that exist (a dry run on an unmigrated database has none; with Redis, maybe no verifications). */
  readyTables: Set<string>;
  /** better-auth keeps verification values in secondary storage only (Redis, no `storeInDatabase`). */
  verificationsInSecondaryStorage: boolean;
  /** Users this run imports (their sessions and accounts may follow). */
  importedUsers: Set<string>;
  /** Users this run imports whose ban is in force: their sessions stay behind. */
  bannedUsers: Set<string>;
  /** Verifications this run imports (copied into Redis after the commit when Redis is configured). */
  importedVerifications: Values[];
  /** Lower-cased emails that more than one source user holds. */
  duplicateEmails: Set<string>;
  counters: { lowercased: number; unknownRoles: Map<string, number>; foreignHashes: number; plaintextKeys: number };
}

/** A rule: decides a batch of source rows (order kept). */
export type Rule = (batch: Values[], run: Run) => Promise<Verdict[]>;

/** Gatehouse rows of `model` whose `field` is one of `values`: value → id. */
async function targetIdsBy(run: Run, model: Model, field: string, values: unknown[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (!run.targetReady || values.length === 0) return found;
  const { table, fields } = run.target[model];
  const column = fields[field]?.column ?? field;
  const rows = await run.dst
    .selectFrom(table)
    .select(["id", `${column} as v`])
    .where(column, "in", values)
    .execute();
  for (const r of rows) found.set(String(r.v), String(r.id));
  return found;
}

/** Which of the referenced users exist in Gatehouse or arrive in this run. */
async function presentUsers(run: Run, batch: Values[]): Promise<Set<string>> {
  const ids = [...new Set(batch.map((v) => String(v.userId ?? "")))];
  const inTarget = await targetIdsBy(run, "user", "id", ids);
  return new Set(ids.filter((id) => run.importedUsers.has(id) || inTarget.has(id)));
}

/** Referenced users already in Gatehouse whose ban is in force (an earlier run imported them banned). */
async function bannedInTarget(run: Run, batch: Values[]): Promise<Set<string>> {
  const banned = new Set<string>();
  const ids = [...new Set(batch.map((v) => String(v.userId ?? "")))];
  if (!run.targetReady || ids.length === 0) return banned;
  const { table, fields } = run.target.user;
  const rows = await run.dst
    .selectFrom(table)
    .select([
      "id",
      `${fields.banned?.column ?? "banned"} as banned`,
      `${fields.banExpires?.column ?? "ban_expires"} as ends`,
    ])
    .where("id", "in", ids)
    .execute();
  for (const r of rows) {
    const ends = readDate(r.ends);
    if (readBoolean(r.banned) === true && (!ends || ends > run.now)) banned.add(String(r.id));
  }
  return banned;
}

const skip = (reason: string, detail: string): Verdict => ({ kind: "skip", reason, detail });

const user: Rule = async (batch, run) => {
  // better-auth looks users up by the lower-cased email (sign-up and sign-in lower-case the input),
  // so a mixed-case stored email could never sign in; Gatehouse stores it lower-cased.
  const emails = batch.map((v) => (typeof v.email === "string" ? v.email.toLowerCase() : ""));
  const taken = await targetIdsBy(run, "user", "email", [...new Set(emails.filter(Boolean))]);
  return batch.map((v, i): Verdict => {
    const email = emails[i] ?? "";
    if (!email.includes("@")) return skip(SKIP.UNMAPPABLE, `email ${JSON.stringify(v.email)} is not an address`);
    if (run.duplicateEmails.has(email)) return skip(SKIP.EMAIL_DUPLICATE, email);
    const owner = taken.get(email);
    if (owner) return skip(SKIP.EMAIL_TAKEN, `${email} is Gatehouse user ${owner}`);
    if (email !== v.email) run.counters.lowercased++;
    // A ban ends every session (the admin plugin deletes them; Gatehouse's trigger does too), so
    // sessions a banned user still has in the stock database do not come along.
    const banEnds = v.banExpires instanceof Date ? v.banExpires : null;
    if (v.banned === true && (!banEnds || banEnds > run.now)) run.bannedUsers.add(v.id);
    // Roles are stored as better-auth stores them (comma-joined, never trimmed); names Gatehouse
    // does not define grant nothing, so the operator hears about them.
    if (typeof v.role === "string") {
      for (const name of v.role.split(",")) {
        if (!(ROLE_NAMES as readonly string[]).includes(name))
          run.counters.unknownRoles.set(name, (run.counters.unknownRoles.get(name) ?? 0) + 1);
      }
    }
    return { kind: "import", values: { ...v, email, name: v.name ?? "" } };
  });
};

/** The two password-hash forms Gatehouse verifies: argon2id (PHC string) and stock scrypt. */
const VERIFIABLE_HASH = (hash: string): boolean => isLegacyHash(hash) || hash.startsWith("$argon2id$");

const account: Rule = async (batch, run) => {
  const users = await presentUsers(run, batch);
  const linked = new Map<string, string>();
  if (run.targetReady && batch.length > 0) {
    const { table, fields } = run.target.account;
    const rows = await run.dst
      .selectFrom(table)
      .select(["id", `${fields.providerId?.column} as p`, `${fields.accountId?.column} as a`])
      .where(
        fields.accountId?.column ?? "account_id",
        "in",
        batch.map((v) => String(v.accountId)),
      )
      .execute();
    for (const r of rows) linked.set(`${r.p}\u0000${r.a}`, String(r.id));
  }
  return batch.map((v): Verdict => {
    if (!users.has(String(v.userId))) return skip(SKIP.USER_NOT_IMPORTED, `user ${v.userId}`);
    if (!v.providerId || !v.accountId) return skip(SKIP.UNMAPPABLE, "providerId and accountId are required");
    const other = linked.get(`${v.providerId}\u0000${v.accountId}`);
    if (other) return skip(SKIP.ACCOUNT_TAKEN, `${v.providerId} account ${v.accountId} is Gatehouse account ${other}`);
    if (v.providerId === "credential" && typeof v.password === "string" && !VERIFIABLE_HASH(v.password))
      run.counters.foreignHashes++;
    return { kind: "import", values: v };
  });
};

const session: Rule = async (batch, run) => {
  const users = await presentUsers(run, batch);
  const banned = await bannedInTarget(run, batch);
  const tokens = await targetIdsBy(
    run,
    "session",
    "token",
    batch.map((v) => v.token).filter((t) => typeof t === "string"),
  );
  return batch.map((v): Verdict => {
    if (!v.token || !(v.expiresAt instanceof Date)) return skip(SKIP.UNMAPPABLE, "token and expiresAt are required");
    if (v.expiresAt <= run.now) return skip(SKIP.EXPIRED, `expired ${v.expiresAt.toISOString()}`);
    if (!users.has(String(v.userId))) return skip(SKIP.USER_NOT_IMPORTED, `user ${v.userId}`);
    if (run.bannedUsers.has(String(v.userId)) || banned.has(String(v.userId)))
      return skip(SKIP.USER_BANNED, `user ${v.userId}`);
    if (tokens.has(String(v.token))) return skip(SKIP.TOKEN_TAKEN, `Gatehouse session ${tokens.get(String(v.token))}`);
    return { kind: "import", values: v };
  });
};

const verification: Rule = async (batch, run) =>
  batch.map((v): Verdict => {
    if (!v.identifier || !(v.expiresAt instanceof Date))
      return skip(SKIP.UNMAPPABLE, "identifier and expiresAt are required");
    if (v.expiresAt <= run.now) return skip(SKIP.EXPIRED, `expired ${v.expiresAt.toISOString()}`);
    return { kind: "import", values: v };
  });

/** Thrown when the stock keys were encrypted with another secret: nothing is imported. */
export class SecretMismatchError extends Error {
  override name = "SecretMismatchError";
}

const jwks: Rule = async (batch, run) => {
  const verdicts: Verdict[] = [];
  for (const v of batch) {
    let parsed: unknown;
    try {
      parsed = typeof v.privateKey === "string" && typeof v.publicKey === "string" ? JSON.parse(v.privateKey) : null;
    } catch {
      parsed = null;
    }
    if (parsed === null || typeof v.privateKey !== "string") {
      verdicts.push(
        skip(SKIP.UNMAPPABLE, "publicKey and privateKey must be JSON (a JWK, or better-auth's encrypted form)"),
      );
      continue;
    }
    let privateKey = v.privateKey;
    if (typeof parsed === "object" && parsed !== null && "kty" in parsed) {
      // Stock ran with disablePrivateKeyEncryption; Gatehouse encrypts its keys, as better-auth does.
      privateKey = JSON.stringify(await symmetricEncrypt({ key: run.secret, data: privateKey }));
      run.counters.plaintextKeys++;
    } else {
      await symmetricDecrypt({ key: run.secret, data: parsed as string }).catch(() => {
        throw new SecretMismatchError(
          `JWKS key ${v.id} was encrypted with another BETTER_AUTH_SECRET. Give Gatehouse the stock server's secret ` +
            "(it also signs the session cookies, so old cookies need it too), then run the import again.",
        );
      });
    }
    // Old keys stop signing now and stay published for better-auth's grace period (as after
    // rotate-keys), so tokens they signed keep verifying; Gatehouse signs with a key of its own.
    const expiresAt = v.expiresAt instanceof Date && v.expiresAt < run.now ? v.expiresAt : run.now;
    verdicts.push({ kind: "import", values: { ...v, privateKey, expiresAt } });
  }
  return verdicts;
};

/** The rules in the order models are imported (users before what references them). */
export const RULES: Record<Model, Rule> = { user, account, session, verification, jwks };
