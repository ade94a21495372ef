import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../db/database.js";
import {
  FeedCursor,
  type FeedCursorOptions,
  type FeedQuery,
  InvalidFeedPositionError,
  windowFloor,
} from "./feed-cursor.js";

/**
 * The shared vectors (contract/feed-cursor-vectors.json), also run by the Python package's suite:
 * both cursors must give the same answers for the same history.
 */
interface Step {
  op: "insert" | "commit" | "rollback" | "start" | "poll" | "expire" | "restart" | "restore";
  id?: number;
  at?: number;
  ids?: number[];
  now?: number;
  windowMs?: number;
  startMaxBatches?: number;
  applyFails?: boolean;
  position?: unknown;
  applied?: number[];
  more?: boolean;
  lastId?: number;
  gaps?: number[];
  expired?: number[];
  snapshot?: unknown;
  error?: boolean;
}
interface Case {
  name: string;
  options: FeedCursorOptions & { batch: number; maxBatches: number };
  steps: Step[];
}

const vectors = JSON.parse(readFileSync(resolve(REPO_ROOT, "contract/feed-cursor-vectors.json"), "utf8")) as {
  cases: Case[];
};

/** The simulated auth_revocations table: ids are pending until committed, gone once rolled back. */
class Table {
  private rows = new Map<number, { at: number; state: "pending" | "committed" | "rolled back" }>();

  insert(id: number, at: number): void {
    if (this.rows.has(id)) throw new Error(`id ${id} taken twice`);
    this.rows.set(id, { at, state: "pending" });
  }

  settle(ids: number[], state: "committed" | "rolled back"): void {
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row?.state !== "pending") throw new Error(`id ${id} is not pending`);
      row.state = state;
    }
  }

  private committed(): Array<{ id: number; at: number }> {
    return [...this.rows]
      .filter(([, r]) => r.state === "committed")
      .map(([id, r]) => ({ id, at: r.at }))
      .sort((a, b) => a.id - b.id);
  }

  bounds(nowMs: number, windowMs: number) {
    const rows = this.committed();
    const since = nowMs - windowMs;
    const older = rows.filter((r) => r.at <= since).map((r) => r.id);
    const recent = rows.filter((r) => r.at > since).map((r) => r.id);
    return {
      newest: rows.at(-1)?.id ?? 0,
      olderMax: older.length ? Math.max(...older) : null,
      recentMin: recent.length ? Math.min(...recent) : null,
      nowMs,
    };
  }

  read = async (q: FeedQuery, limit: number): Promise<Array<{ id: number }>> =>
    this.committed()
      .filter((r) => r.id > q.afterId || q.gaps.includes(r.id))
      .slice(0, limit)
      .map(({ id }) => ({ id }));
}

describe("feed cursor shared vectors", () => {
  it("has cases", () => expect(vectors.cases.length).toBeGreaterThan(10));

  for (const c of vectors.cases) {
    it(c.name, async () => {
      const table = new Table();
      let cursor = new FeedCursor(c.options);
      for (const [n, step] of c.steps.entries()) {
        const where = `step ${n} (${step.op})`;
        const applied: number[] = [];
        const apply = (rows: Array<{ id: number }>) => {
          if (step.applyFails) throw new Error("apply failed");
          applied.push(...rows.map((r) => r.id));
        };
        let result: { more?: boolean; expired?: number[] } = {};
        let error = false;
        try {
          switch (step.op) {
            case "insert":
              table.insert(step.id as number, step.at as number);
              break;
            case "commit":
              table.settle(step.ids as number[], "committed");
              break;
            case "rollback":
              table.settle(step.ids as number[], "rolled back");
              break;
            case "start":
              await cursor.start(table.bounds(step.now as number, step.windowMs as number), table.read, apply, {
                batch: c.options.batch,
                maxBatches: step.startMaxBatches ?? 1000,
              });
              break;
            case "poll":
              result = await cursor.catchUp(table.read, apply, step.now as number, c.options);
              break;
            case "expire":
              result = { expired: cursor.expire(step.now as number) };
              break;
            case "restart": {
              const saved = JSON.stringify(cursor.snapshot());
              if (step.snapshot !== undefined) expect(JSON.parse(saved), where).toEqual(step.snapshot);
              cursor = new FeedCursor(c.options);
              cursor.restore(JSON.parse(saved));
              break;
            }
            case "restore":
              cursor = new FeedCursor(c.options);
              cursor.restore(step.position);
              break;
          }
        } catch (err) {
          if (!step.error) throw err;
          if (step.op === "restore") expect(err, where).toBeInstanceOf(InvalidFeedPositionError);
          error = true;
        }
        expect(error, `${where}: error`).toBe(Boolean(step.error));
        if (step.applied) expect(applied, `${where}: applied`).toEqual(step.applied);
        if (step.more !== undefined) expect(result.more, `${where}: more`).toBe(step.more);
        if (step.expired) expect(result.expired, `${where}: expired`).toEqual(step.expired);
        if (step.lastId !== undefined) expect(cursor.lastId, `${where}: lastId`).toBe(step.lastId);
        if (step.gaps) expect(cursor.query().gaps, `${where}: gaps`).toEqual(step.gaps);
        if (step.snapshot && step.op !== "restart")
          expect(cursor.snapshot(), `${where}: snapshot`).toEqual(step.snapshot);
      }
    });
  }
});

describe("windowFloor", () => {
  it("starts below the window's first row, never above a row older than the window", () => {
    expect(windowFloor({ olderMax: null, recentMin: null })).toBe(0);
    expect(windowFloor({ olderMax: 4, recentMin: null })).toBe(4);
    expect(windowFloor({ olderMax: null, recentMin: 7 })).toBe(0);
    expect(windowFloor({ olderMax: 4, recentMin: 6 })).toBe(4);
    expect(windowFloor({ olderMax: 9, recentMin: 6 })).toBe(5);
  });
});

describe("FeedCursor bounds", () => {
  it("a jump of a billion ids costs at most maxGaps steps (a loop over the jump would time the test out)", () => {
    const cursor = new FeedCursor({ maxGaps: 1000, gapTtlMs: 1 });
    cursor.accept(1_000_000_000, 0);
    expect(cursor.gapCount).toBe(1000);
    expect(cursor.query().gaps[0]).toBe(1_000_000_000 - 1000);
  });
});
