/**
 * The revocation feed's cursor: where a reader is in `auth_revocations`, written once per language
 * (this file, and `gatehouse_fastapi/_revocation/cursor.py`) and proved equal by the shared vectors in
 * `contract/feed-cursor-vectors.json`, which both test suites run.
 *
 * Why a cursor is more than "the last id": on PostgreSQL an id is taken from the sequence when the
 * row is inserted but becomes visible when its transaction commits, so id 41 can appear after 42
 * has been read (a revocation in a transaction that stayed open), and an id whose transaction rolled
 * back never appears. Every id skipped is therefore kept as a gap and asked for again on every read
 * until it shows up or is older than `gapTtlMs`. SQLite commits in id order; there the gaps are ids
 * that were rolled back.
 *
 * Times are milliseconds on the DATABASE's clock (readers measure its offset from their own), so
 * a position saved by one process means the same thing to the next.
 */

/** An id below `lastId` not read yet, and when (database clock, ms) it was first skipped. */
export type FeedGap = [id: number, sinceMs: number];

/** A cursor's whole state, as saved between runs (JSON; the same shape in both languages). */
export interface FeedPosition {
  lastId: number;
  gaps: FeedGap[];
}

/** What one read asks the database for: ids above `afterId`, plus the listed gaps. */
export interface FeedQuery {
  afterId: number;
  gaps: number[];
}

/**
 * Where a reader starts without a saved position, from one look at the table on the database's
 * clock: `newest` = max(id); `olderMax` = max(id) of rows older than the window; `recentMin` =
 * min(id) of rows inside it (null when there are none).
 */
export interface FeedBounds {
  newest: number;
  olderMax: number | null;
  recentMin: number | null;
  nowMs: number;
}

export interface FeedCursorOptions {
  /** Most gaps kept; beyond it the lowest ids go first (the newest are likeliest to commit late). */
  maxGaps: number;
  /** A gap older than this (ms) is given up: its transaction rolled back, or ran longer than the window. */
  gapTtlMs: number;
}

/** Reads one batch: rows with id > afterId or id in gaps, in id order, at most `limit`. */
export type ReadBatch<R extends { id: number }> = (query: FeedQuery, limit: number) => Promise<R[]>;
/** Applies rows not seen before; the cursor moves past them only once this has resolved. */
export type ApplyRows<R extends { id: number }> = (rows: R[]) => Promise<void> | void;

/** The defaults both languages use: a 16-minute window covers a 15-minute JWT plus leeway. */
export const FEED_CURSOR_DEFAULTS: FeedCursorOptions = { maxGaps: 1000, gapTtlMs: 960_000 };

/**
 * Where to start from a window. Below the oldest row inside the window (a pending transaction may
 * hold any id up to `newest`), but never above a row older than it: rows older than the window are
 * settled. A table that was never pruned starts at 0 (prune always keeps its newest old row).
 */
export function windowFloor(bounds: Pick<FeedBounds, "olderMax" | "recentMin">): number {
  const older = bounds.olderMax ?? 0;
  return bounds.recentMin === null ? older : Math.max(0, Math.min(older, bounds.recentMin - 1));
}

/** Thrown by `restore` for a saved position that is not one (the caller starts afresh). */
export class InvalidFeedPositionError extends Error {}

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export class FeedCursor {
  lastId = 0;
  /** Gaps dropped for the budget (not expired): a count for diagnostics. */
  overflowed = 0;
  private readonly gaps = new Map<number, number>();

  constructor(readonly options: FeedCursorOptions = FEED_CURSOR_DEFAULTS) {}

  /** Everything up to and including `floor` counts as read; no gaps. */
  reset(floor: number): void {
    this.lastId = Math.max(0, floor);
    this.gaps.clear();
  }

  /** Whether row `id` has not been read yet (above `lastId`, or one of the gaps). */
  isNew(id: number): boolean {
    return id > this.lastId || this.gaps.has(id);
  }

  /** Record row `id` as read and applied; ids skipped on the way up become gaps. */
  accept(id: number, nowMs: number): void {
    if (id > this.lastId) this.advance(id - 1, nowMs);
    this.gaps.delete(id);
    if (id > this.lastId) this.lastId = id;
  }

  /** Move to `newest` (known to exist) without reading: every id passed over becomes a gap. */
  advance(newest: number, nowMs: number): void {
    if (newest <= this.lastId) return;
    // A jump larger than the budget keeps only the newest ids, so the loop is bounded by maxGaps.
    for (let id = Math.max(this.lastId + 1, newest - this.options.maxGaps + 1); id <= newest; id++) {
      if (!this.gaps.has(id)) this.gaps.set(id, nowMs);
    }
    this.lastId = newest;
    this.trim();
  }

  /** Give up gaps first skipped more than `gapTtlMs` before `nowMs`; returns them, ascending. */
  expire(nowMs: number): number[] {
    const gone: number[] = [];
    for (const [id, since] of this.gaps) if (nowMs - since > this.options.gapTtlMs) gone.push(id);
    for (const id of gone) this.gaps.delete(id);
    return gone.sort((a, b) => a - b);
  }

  /** The next read's condition. */
  query(): FeedQuery {
    return { afterId: this.lastId, gaps: [...this.gaps.keys()].sort((a, b) => a - b) };
  }

  /** The state to save (gaps ascending by id). */
  snapshot(): FeedPosition {
    const gaps = [...this.gaps.entries()].sort((a, b) => a[0] - b[0]) as FeedGap[];
    return { lastId: this.lastId, gaps };
  }

  /** Take over a saved position. Throws InvalidFeedPositionError when `value` is not a well-formed one. */
  restore(value: unknown): void {
    const pos = value as Partial<FeedPosition> | null;
    if (!pos || !isId(pos.lastId) || !Array.isArray(pos.gaps))
      throw new InvalidFeedPositionError("not a feed position");
    const lastId = pos.lastId;
    const gaps = new Map<number, number>();
    for (const gap of pos.gaps as unknown[]) {
      if (!Array.isArray(gap) || gap.length !== 2 || !isId(gap[0]) || !Number.isFinite(gap[1]) || gap[0] >= lastId) {
        throw new InvalidFeedPositionError("malformed gap in feed position");
      }
      gaps.set(gap[0], gap[1] as number);
    }
    this.lastId = lastId;
    this.gaps.clear();
    for (const [id, since] of [...gaps].sort((a, b) => a[0] - b[0])) this.gaps.set(id, since);
    this.trim();
  }

  /**
   * Read and apply batches until a short one (caught up) or `maxBatches` (the rest waits for the
   * next call, so one call stays bounded). Returns how many new rows were applied. If `apply`
   * throws, the cursor stays before that batch and the next call reads it again.
   */
  async catchUp<R extends { id: number }>(
    read: ReadBatch<R>,
    apply: ApplyRows<R>,
    nowMs: number,
    { batch, maxBatches }: { batch: number; maxBatches: number },
  ): Promise<{ applied: number; more: boolean }> {
    let applied = 0;
    for (let n = 0; n < maxBatches; n++) {
      const rows = await read(this.query(), batch);
      const fresh = rows.filter((row) => this.isNew(row.id));
      if (fresh.length > 0) await apply(fresh);
      for (const row of rows) this.accept(row.id, nowMs);
      applied += fresh.length;
      if (rows.length < batch) return { applied, more: false };
    }
    return { applied, more: true };
  }

  /**
   * Start without a saved position: from the window's floor, read everything above it, then mark
   * every id up to `newest` not seen as a gap (a transaction still open when the bounds were read).
   * `bounds` must be read before the rows, so a row committing in between is read or is a gap.
   */
  async start<R extends { id: number }>(
    bounds: FeedBounds,
    read: ReadBatch<R>,
    apply: ApplyRows<R>,
    { batch, maxBatches }: { batch: number; maxBatches: number },
  ): Promise<number> {
    this.reset(windowFloor(bounds));
    const { applied } = await this.catchUp(read, apply, bounds.nowMs, { batch, maxBatches });
    this.advance(bounds.newest, bounds.nowMs);
    return applied;
  }

  /** Number of ids being waited for. */
  get gapCount(): number {
    return this.gaps.size;
  }

  private trim(): void {
    if (this.gaps.size <= this.options.maxGaps) return;
    const drop = [...this.gaps.keys()].sort((a, b) => a - b).slice(0, this.gaps.size - this.options.maxGaps);
    for (const id of drop) this.gaps.delete(id);
    this.overflowed += drop.length;
  }
}
