import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "./harness.js";
import { startRedis } from "./support/redis-server.js";
import { type AuthProcess, spawnAuthServer } from "./support/spawn-auth.js";

/** Sign-in attempts (unknown emails, so the per-account lockout stays out of it) from one client. */
async function hammer(servers: AuthProcess[], attempts: number): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < attempts; i++) {
    const target = servers[i % servers.length] as AuthProcess;
    out.push(
      await fetch(`${target.url}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: "http://localhost:5173" },
        body: JSON.stringify({ email: `nobody${i}@example.com`, password: "wrong password!" }),
      }),
    );
  }
  return out;
}

const LIMITS = { RATE_LIMIT_ENABLED: "true", RATE_LIMIT_SIGN_IN_MAX: "4", RATE_LIMIT_WINDOW_SECONDS: "60" };

describe.each([
  ["PostgreSQL storage", false],
  ["Redis storage", true],
] as const)("rate limits across two auth server processes with %s", (_name, withRedis) => {
  const servers: AuthProcess[] = [];
  let dropDb: () => Promise<void>;
  let stopRedis: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    const db = await freshDatabaseUrl("postgres");
    dropDb = db.drop;
    const env: Record<string, string> = { DATABASE_URL: db.url, ...LIMITS };
    if (withRedis) {
      const redis = await startRedis();
      stopRedis = redis.stop;
      env.REDIS_URL = redis.url;
    }
    // Start one first so the second finds the schema migrated (both would also cope together).
    servers.push(await spawnAuthServer(env));
    servers.push(await spawnAuthServer(env));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await stopRedis?.();
    await dropDb?.();
  });

  it("counts one client's attempts on both instances together and answers 429 with Retry-After", async () => {
    const answers = await hammer(servers, 6);
    expect(answers.slice(0, 4).map((r) => r.status)).toEqual([401, 401, 401, 401]);
    for (const limited of answers.slice(4)) {
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ code: "RATE_LIMITED", message: expect.any(String) });
    }
  });
});
