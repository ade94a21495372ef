import type { Mail, Mailer, OutboxItem } from "./types.js";

/** Keeps at most this many mails; the oldest fall off. */
const OUTBOX_LIMIT = 500;

/**
 * Development transport: mails stay in memory and are listed at GET /api/dev/outbox, so a newcomer
 * can sign up and verify without any mail setup. Never used in production (env.ts refuses it).
 */
export class OutboxMailer implements Mailer {
  readonly transport = "outbox" as const;
  private readonly items: OutboxItem[] = [];

  async send(mail: Mail): Promise<void> {
    this.items.unshift({ ...mail, createdAt: new Date().toISOString() });
    if (this.items.length > OUTBOX_LIMIT) this.items.length = OUTBOX_LIMIT;
  }

  /** Newest first; `to` filters by recipient (case-insensitive). */
  list(to?: string): OutboxItem[] {
    if (!to) return [...this.items];
    const wanted = to.toLowerCase();
    return this.items.filter((m) => m.to.toLowerCase() === wanted);
  }

  async verify(): Promise<void> {}
  async close(): Promise<void> {}
}
