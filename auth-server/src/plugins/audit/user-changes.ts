import type { AuthContext } from "better-auth";
import { bodyOf, type HookContext } from "../hook-context.js";
import { isBanFlagSet, isBanInForce } from "../session-rule/ban.js";
import { type AuditEvent, AuditEventType } from "./trail.js";

type Details = NonNullable<AuditEvent["details"]>;
/** An audit row without the request's IP and user agent, which the caller adds. */
export type ChangeEvent = Omit<AuditEvent, "ip" | "userAgent">;

/** What a user update is about to write, and what it replaces. */
interface Pending {
  keys: string[];
  data: Record<string, unknown>;
  previousRole: string | null;
  previousEmail: string | null;
}

/** Fields that are bookkeeping, not a change anyone made. */
const BOOKKEEPING = new Set(["updatedAt"]);
/** Field names as the audit details spell them (snake_case, like the columns). */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  emailVerified: "email_verified",
  banReason: "ban_reason",
  banExpires: "ban_expires",
};

const iso = (v: unknown): string | null => {
  if (v === null || v === undefined || v === "") return null;
  const d = v instanceof Date ? v : new Date(v as string);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

/**
 * The audit rows of user updates, from the database hooks every writer passes through (the admin
 * endpoints, the internal API, better-auth's own flows): `before` notes what is about to change and
 * the values it replaces, `after` turns the written row into events. They are paired through the
 * endpoint context better-auth hands both hooks of one update (updates within one request are
 * sequential, so a queue keeps them apart).
 */
export function userChangeEvents(adapterOf: (ctx: HookContext | null) => AuthContext["internalAdapter"]) {
  const pending = new WeakMap<object, Pending[]>();

  return {
    async before(data: Record<string, unknown>, ctx: HookContext | null): Promise<void> {
      if (!ctx) return;
      const keys = Object.keys(data).filter((k) => !BOOKKEEPING.has(k));
      let previousRole: string | null = null;
      let previousEmail: string | null = null;
      if (keys.includes("role") || keys.includes("email")) {
        const userId = bodyOf(ctx).userId ?? ctx.context.session?.user.id;
        const before =
          typeof userId === "string"
            ? ((await adapterOf(ctx).findUserById(userId)) as { role?: string | null; email?: string } | null)
            : null;
        previousRole = before?.role ?? null;
        previousEmail = before?.email ?? null;
      }
      const queue = pending.get(ctx) ?? [];
      queue.push({ keys, data, previousRole, previousEmail });
      pending.set(ctx, queue);
    },

    /** Events for the update that wrote `user`, with `actorId` = who acted when not the user. */
    after(
      user: Record<string, unknown> & { id: string },
      ctx: HookContext | null,
      actorId: string | null,
    ): ChangeEvent[] {
      const p = ctx ? pending.get(ctx)?.shift() : undefined;
      if (!p) return [];
      const base = { userId: user.id, actorId, success: true } as const;
      const events: ChangeEvent[] = [];
      const has = (k: string) => p.keys.includes(k);
      if (has("role")) {
        const to = typeof user.role === "string" ? user.role : null;
        events.push({
          ...base,
          type: AuditEventType.ROLE_CHANGED,
          reason: `role=${to}`,
          details: { from: p.previousRole, to },
        });
      }
      if (has("banned")) {
        if (isBanInForce(user as { banned?: unknown; banExpires?: unknown }, Date.now())) {
          const details: Details = {
            reason: (user.banReason as string | null) ?? null,
            expires_at: iso(user.banExpires),
          };
          events.push({ ...base, type: AuditEventType.USER_BANNED, reason: "banned", details });
        } else if (!isBanFlagSet(p.data.banned)) {
          events.push({ ...base, type: AuditEventType.USER_UNBANNED, details: {} });
        }
      }
      if (has("email") && p.previousEmail !== user.email) {
        events.push({
          ...base,
          type: AuditEventType.EMAIL_CHANGED,
          details: { from: p.previousEmail, to: String(user.email) },
        });
      }
      // The user's own verification is recorded by its endpoint; an admin marking it is recorded here.
      if (has("emailVerified") && p.data.emailVerified === true && actorId) {
        events.push({ ...base, type: AuditEventType.EMAIL_VERIFIED, details: { email: String(user.email) } });
      }
      const ban = has("banned") ? ["banReason", "banExpires"] : [];
      const fields = p.keys.filter(
        (k) =>
          !["role", "banned", "email", ...ban].includes(k) && !(k === "emailVerified" && p.data.emailVerified === true),
      );
      // A user editing their own profile is not an audit event; an administrator doing it is.
      if (fields.length > 0 && actorId) {
        events.push({
          ...base,
          type: AuditEventType.USER_UPDATED,
          reason: `fields=${fields.sort().join(",")}`,
          details: { fields: fields.map((f) => FIELD_NAMES[f] ?? f) },
        });
      }
      return events;
    },
  };
}
