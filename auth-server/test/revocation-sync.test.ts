import { Redis } from "ioredis";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REDIS_KEY_PREFIX } from "../src/storage/redis.js";
import { REVOCATION_SYNC_DEFAULTS, RevocationCacheSync } from "../src/storage/revocation-sync.js";
import { POSITION_KEY, RedisSessionCache } from "../src/storage/session-cache.js";
import { DB_KINDS, freshDatabaseUrl } from "./harness.js";
import {
  answers,
  eventually,
  type Instance,
  instanceOn,
  rawToken,
  signedIn,
  signInAgain,
} from "./support/gatehouse-on.js";
import { startRedis } from "./support/redis-server.js";

/**
 * Issue 11, failures 1 and 2, as reproduced there, against real PostgreSQL / SQLite and a real
 * redis-server: the auth server's Redis session cache must lose every session the database lost.
 */
const REFUSED = { session: 401, me: 401, token: 401 };
const ACCEPTED = { session: 200, me: 200, token: 200 };

let redis: { url: string; stop(): Promise<void> };
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const open: Instance[] = [];
async function start(url: string, opts?: { background?: boolean }): Promise<Instance> {
  const inst = await instanceOn(url, { REDIS_URL: redis.url }, opts);
  open.push(inst);
  return inst;
}
async function stop(inst: Instance): Promise<void> {
  open.splice(open.indexOf(inst), 1);
  await inst.close();
}
afterEach(async () => {
  for (const inst of open.splice(0)) await inst.close();
  // Each test starts from an empty cache, as a fresh Redis would be.
  const client = new Redis(redis.url);
  await client.flushall();
  await client.quit();
});

describe("failure 1: revocations committing out of order (PostgreSQL + Redis)", () => {
  it("T1 deletes A's session and stays open, T2 deletes B's and commits, T1 commits: A is refused within 1.5 s", async () => {
    const db = await freshDatabaseUrl("postgres");
    const t1 = new pg.Client({ connectionString: db.url });
    const t2 = new pg.Client({ connectionString: db.url });
    try {
      const inst = await start(db.url);
      const a = await signedIn(inst, "a@example.com");
      const b = await signedIn(inst, "b@example.com");
      expect(await answers(inst, a.bearer)).toEqual(ACCEPTED);
      expect(await answers(inst, b.bearer)).toEqual(ACCEPTED);
      await t1.connect();
      await t2.connect();

      await t1.query("begin");
      await t1.query("delete from user_sessions where token = $1", [rawToken(a.bearer)]);
      await t2.query("delete from user_sessions where token = $1", [rawToken(b.bearer)]);
      // The sync has read B's row, whose id is above A's: A's id is now a gap, not passed over.
      await eventually(async () => (await answers(inst, b.bearer)).session === 401, 5_000, "B refused");
      expect(await answers(inst, a.bearer)).toEqual(ACCEPTED);
      expect(inst.gh.revocationSync?.position.gaps.length).toBe(1);
      await t1.query("commit");

      await eventually(
        async () => JSON.stringify(await answers(inst, a.bearer)) === JSON.stringify(REFUSED),
        1_500,
        "A refused by get-session, /me and /token",
      );
      expect(inst.gh.revocationSync?.position.gaps).toEqual([]);
    } finally {
      await t1.end().catch(() => undefined);
      await t2.end().catch(() => undefined);
      for (const inst of open.splice(0)) await inst.close();
      await db.drop();
    }
  });
});

describe.each(DB_KINDS)("failure 2: sessions deleted while no instance ran the sync (%s + Redis)", (kind) => {
  let db: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    db = await freshDatabaseUrl(kind);
  });
  afterAll(async () => {
    for (const inst of open.splice(0)) await inst.close();
    await db.drop();
  });

  /** Sign in on a running instance, stop it, delete the session by SQL, run `meanwhile`, restart. */
  async function deletedWhileDown(email: string, meanwhile: (offline: Instance) => Promise<void> = async () => {}) {
    const first = await start(db.url);
    const victim = await signedIn(first, email);
    const bystander = await signedIn(first, `other-${email}`);
    expect(await answers(first, victim.bearer)).toEqual(ACCEPTED);
    await stop(first);
    const offline = await start(db.url, { background: false }); // an operator's SQL session, no sync
    await offline.gh.database.db.deleteFrom("user_sessions").where("token", "=", rawToken(victim.bearer)).execute();
    await meanwhile(offline);
    await stop(offline);
    const restarted = await start(db.url);
    return { restarted, victim, bystander };
  }

  it("a restarted instance resumes from the position kept in Redis and evicts the session", async () => {
    const { restarted, victim, bystander } = await deletedWhileDown("resume@example.com");
    expect(await answers(restarted, victim.bearer)).toEqual(REFUSED);
    expect(await answers(restarted, bystander.bearer)).toEqual(ACCEPTED);
    expect(restarted.gh.revocationSync?.counters.reconciled).toBe(0);
  });

  it("with the position lost but sessions still cached, every cached session is checked against the database", async () => {
    const { restarted, victim, bystander } = await deletedWhileDown("lost@example.com", async (offline) => {
      await offline.gh.revocationSync?.cache.client.del(`gatehouse:${POSITION_KEY}`);
    });
    expect(restarted.gh.revocationSync?.counters.reconciled).toBeGreaterThanOrEqual(2);
    expect(await answers(restarted, victim.bearer)).toEqual(REFUSED);
    expect(await answers(restarted, bystander.bearer)).toEqual(ACCEPTED);
  });

  it("a position older than the feed's retention is not trusted: the cache is reconciled", async () => {
    const { restarted, victim } = await deletedWhileDown("stale@example.com", async (offline) => {
      const client = offline.gh.revocationSync?.cache.client;
      const saved = JSON.parse((await client?.get(`gatehouse:${POSITION_KEY}`)) ?? "{}");
      // As if saved two days ago and the rows after it pruned since: only the cache can tell.
      saved.savedAtMs -= 2 * 24 * 3600 * 1000;
      await client?.set(`gatehouse:${POSITION_KEY}`, JSON.stringify(saved));
      await offline.gh.database.db.deleteFrom("auth_revocations").where("id", ">", saved.lastId).execute();
    });
    expect(restarted.gh.revocationSync?.counters.reconciled).toBeGreaterThan(0);
    expect(await answers(restarted, victim.bearer)).toEqual(REFUSED);
  });

  it("a position ahead of the feed (Redis kept, database replaced) is not trusted", async () => {
    const { restarted, victim } = await deletedWhileDown("ahead@example.com", async (offline) => {
      const client = offline.gh.revocationSync?.cache.client;
      await client?.set(`gatehouse:${POSITION_KEY}`, JSON.stringify({ lastId: 1e9, gaps: [], savedAtMs: Date.now() }));
    });
    expect(restarted.gh.revocationSync?.counters.reconciled).toBeGreaterThan(0);
    expect(await answers(restarted, victim.bearer)).toEqual(REFUSED);
  });
});

describe.each(DB_KINDS)("sessions ended without a delete (%s + Redis)", (kind) => {
  it("a session whose expiry an operator brings forward by SQL is refused from the cache too", async () => {
    const db = await freshDatabaseUrl(kind);
    try {
      const inst = await start(db.url);
      const victim = await signedIn(inst, `expired-${kind}@example.com`);
      const bystander = await signedIn(inst, `kept-${kind}@example.com`);
      expect(await answers(inst, victim.bearer)).toEqual(ACCEPTED);
      const past = new Date(Date.now() - 1000);
      await inst.gh.database.db
        .updateTable("user_sessions")
        .set({ expires_at: kind === "sqlite" ? past.toISOString() : past })
        .where("token", "=", rawToken(victim.bearer))
        .execute();
      await eventually(
        async () => JSON.stringify(await answers(inst, victim.bearer)) === JSON.stringify(REFUSED),
        1_500,
        "expired session refused by get-session, /me and /token",
      );
      expect(await answers(inst, bystander.bearer)).toEqual(ACCEPTED);
    } finally {
      for (const inst of open.splice(0)) await inst.close();
      await db.drop();
    }
  });
});

describe("fail safe: a sync that is not current sends session lookups to the database", () => {
  it("after the sync stops, a session deleted by SQL is refused once the cache is no longer current", async () => {
    const db = await freshDatabaseUrl("postgres");
    try {
      const inst = await start(db.url);
      const victim = await signedIn(inst, "stale-sync@example.com");
      expect(await answers(inst, victim.bearer)).toEqual(ACCEPTED);
      await inst.gh.revocationSync?.stop(); // as if its reads had started failing
      await inst.gh.database.db.deleteFrom("user_sessions").where("token", "=", rawToken(victim.bearer)).execute();
      await eventually(async () => inst.gh.revocationSync?.isCurrent() === false, 5_000, "sync no longer current");
      expect(await answers(inst, victim.bearer)).toEqual(REFUSED);
      // The entry is still in Redis: it was the guard, not an eviction, that refused it.
      expect(await inst.gh.revocationSync?.cache.client.exists(`gatehouse:${rawToken(victim.bearer)}`)).toBe(1);
    } finally {
      for (const inst of open.splice(0)) await inst.close();
      await db.drop();
    }
  });
});

describe("current means caught up: a read that stops at its batch limit (PostgreSQL + Redis)", () => {
  it("does not make the cache current: rows committed before it began may be among those it left", async () => {
    const db = await freshDatabaseUrl("postgres");
    try {
      const inst = await start(db.url);
      await inst.gh.revocationSync?.stop(); // one sync on this cache: the one below, reading when told
      const sync = new RevocationCacheSync(
        inst.gh.database.db,
        "postgres",
        new RedisSessionCache(new Redis(redis.url), REDIS_KEY_PREFIX, { cutOffTtlSeconds: 86_400 }),
        inst.gh.logger,
        { ...REVOCATION_SYNC_DEFAULTS, batch: 2 }, // a read takes at most 20 x 2 rows
      );
      try {
        await sync.catchUp();
        expect(sync.isCurrent()).toBe(true);
        // An expiry clean-up's worth of rows (one per deleted session), then a revocation behind them.
        await sql`insert into auth_revocations (kind, user_id, session_id)
          select 'session', 'ghost', 'ghost-' || g from generate_series(1, 50) g`.execute(inst.gh.database.db);
        // The last complete read, from before those rows, ages out of the trust window; then one read.
        await eventually(async () => !sync.isCurrent(), 5_000, "the last complete read aged out");
        await sync.catchUp(); // 40 of the 50 rows: it began after them, but did not reach them all
        expect(sync.position.lastId).toBeLessThan(
          Number(
            (await sql<{ n: string }>`select max(id) as n from auth_revocations`.execute(inst.gh.database.db)).rows[0]
              ?.n,
          ),
        );
        expect(sync.isCurrent()).toBe(false);
        await sync.catchUp();
        expect(sync.isCurrent()).toBe(true);
      } finally {
        await sync.stop();
        await sync.cache.client.quit();
      }
    } finally {
      for (const inst of open.splice(0)) await inst.close();
      await db.drop();
    }
  });
});

describe("propagation between instances sharing one Redis (PostgreSQL)", () => {
  it("a session deleted by another writer is refused by both instances within 1 s; p50 / p99 printed", async () => {
    const db = await freshDatabaseUrl("postgres");
    try {
      const one = await start(db.url);
      const two = await start(db.url);
      const rounds = 20;
      const user = await signedIn(one, "propagation@example.com");
      const sessions = [user];
      for (let i = 1; i < rounds; i++) sessions.push(await signInAgain(i % 2 ? two : one, "propagation@example.com"));
      const times: number[] = [];
      for (const victim of sessions) {
        for (const inst of [one, two]) expect((await answers(inst, victim.bearer)).session).toBe(200);
        const t0 = performance.now();
        await one.gh.database.db.deleteFrom("user_sessions").where("token", "=", rawToken(victim.bearer)).execute();
        const refused = async (inst: Instance) => {
          const res = await inst.call("/api/auth/get-session", {
            headers: { Authorization: `Bearer ${victim.bearer}` },
          });
          return (await res.json()) === null;
        };
        await Promise.all([one, two].map((inst) => eventually(() => refused(inst), 1_000 + 250, "refused")));
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] as number;
      console.log(`redis sync propagation over ${rounds}: p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms`);
    } finally {
      for (const inst of open.splice(0)) await inst.close();
      await db.drop();
    }
  }, 120_000); // sign-ins hash passwords; on a shared 2-core machine 20 of them can take a while
});
