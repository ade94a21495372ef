import autocannon from "autocannon";

/** One HTTP load run's outcome, in the units RESULTS.md shows. */
export interface LoadResult {
  connections: number;
  durationS: number;
  /** Responses with the expected status. */
  ok: number;
  /** Connection errors + timeouts + responses with any other status. */
  errors: number;
  /** Expected-status responses per second of the run. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Status code → count, for the failure message when `errors` > 0. */
  statuses: Record<string, number>;
  /** Every expected-status latency, sorted (to combine slices of one run). */
  latencies?: Float64Array;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  method?: "GET" | "POST" | "DELETE";
  headers?: Record<string, string>;
  /** Fixed body, or a function called per request (e.g. to rotate users). */
  body?: string | (() => string);
  expectStatus?: number;
  /** Per-request timeout in seconds. */
  timeoutS?: number;
}

/** Exact percentile (nearest rank) of a sorted array of milliseconds. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Drives `url` with autocannon for `durationS` seconds and returns its numbers. Latencies are
 * collected from every response (autocannon's own summary has no p95), in milliseconds.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const expect = opts.expectStatus ?? 200;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let bad = 0;
  const bodyFn = typeof opts.body === "function" ? opts.body : undefined;
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    timeout: opts.timeoutS ?? 10,
    method: opts.method ?? "GET",
    headers: { ...(opts.body ? { "content-type": "application/json" } : {}), ...opts.headers },
    ...(bodyFn
      ? { requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodyFn() }) }] }
      : typeof opts.body === "string"
        ? { body: opts.body }
        : {}),
  } as autocannon.Options) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode === expect) {
      ok++;
      latencies.push(responseTime);
    } else {
      bad++;
    }
  });
  const result = await instance;
  const sorted = Float64Array.from(latencies).sort();
  // autocannon counts a timeout in `errors` too.
  const errors = bad + result.errors;
  if (result.errors > result.timeouts) statuses.connectionErrors = result.errors - result.timeouts;
  if (result.timeouts > 0) statuses.timeouts = result.timeouts;
  // autocannon reports its run time in seconds; fall back to the requested duration.
  const durationS = result.duration > 0 ? result.duration : opts.durationS;
  return {
    connections: opts.connections,
    durationS,
    ok,
    errors,
    rps: ok / durationS,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    statuses,
    latencies: sorted,
  };
}
