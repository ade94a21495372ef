import type { Logger } from "./logger.js";

/**
 * better-auth's `advanced.backgroundTasks.handler`: the work better-auth hands to
 * `runInBackgroundOrAwait` — every mail (verification, reset, existing account, email change) and
 * what runs after it — is not awaited by the request. An answer then costs the same whether or
 * not a mail goes out, which is what keeps sign-up and password-reset answers from telling an
 * existing account from an unknown one by their timing (issue 12 #5; OWASP ASVS V2.2, V3.3).
 *
 * Tasks are tracked so `drain()` can wait for them on shutdown (a mail accepted by an answer is
 * not lost to a restart); `keepAlive` lets a host that freezes after the answer (Vercel's
 * `waitUntil`) know about each one. Failures are logged, never thrown into the request.
 */
export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly keepAlive?: (task: Promise<unknown>) => void,
  ) {}

  /** For `advanced.backgroundTasks.handler`. */
  readonly handler = (task: Promise<unknown>): void => {
    const tracked: Promise<void> = task
      .then(() => undefined)
      .catch((err: unknown) => this.logger.error({ err }, "background task failed"))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    this.keepAlive?.(tracked);
  };

  /** Resolves once every task handed over so far (and any they started) has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
