import { PAGE_LIMIT_MAX } from "../../contract.gen";
import { authClient } from "../../lib/auth-client";
import { RequestError, unwrap } from "../../lib/errors";

/** A user as better-auth's admin plugin returns it. */
export interface AdminUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  image?: string | null;
  role?: string | null;
  banned?: boolean | null;
  banReason?: string | null;
  banExpires?: string | Date | null;
  createdAt: string | Date;
}

export interface AdminSession {
  id: string;
  token: string;
  createdAt: string | Date;
  /** Last use seen by the auth server (recorded at most once a minute); createdAt until then. */
  lastActiveAt?: string;
  expiresAt: string | Date;
  ipAddress?: string | null;
  userAgent?: string | null;
  impersonatedBy?: string | null;
}

export type SearchField = "email" | "name";

export interface UserQuery {
  search: string;
  field: SearchField;
  page: number;
  pageSize: number;
}

export async function listUsers(q: UserQuery): Promise<{ users: AdminUser[]; total: number }> {
  const query = {
    limit: q.pageSize,
    offset: q.page * q.pageSize,
    sortBy: "createdAt",
    sortDirection: "desc" as const,
    ...(q.search.trim()
      ? { searchValue: q.search.trim(), searchField: q.field, searchOperator: "contains" as const }
      : {}),
  };
  const res = unwrap(await authClient.admin.listUsers({ query }));
  return { users: res.users as AdminUser[], total: res.total };
}

/**
 * Several users by id in one request (the admin plugin's list with an `in` filter), for lists that
 * only carry ids (at most a page of them: contract pagination). Deleted users are simply missing.
 */
export async function listUsersById(ids: readonly string[]): Promise<AdminUser[]> {
  const unique = [...new Set(ids)].slice(0, PAGE_LIMIT_MAX);
  if (unique.length === 0) return [];
  const filter =
    unique.length === 1
      ? { filterField: "id", filterOperator: "eq" as const, filterValue: unique[0] as string }
      : { filterField: "id", filterOperator: "in" as const, filterValue: unique };
  const res = unwrap(await authClient.admin.listUsers({ query: { limit: unique.length, ...filter } }));
  return res.users as AdminUser[];
}

export async function getUser(id: string): Promise<AdminUser> {
  return unwrap(await authClient.admin.getUser({ query: { id } })) as AdminUser;
}

export async function setRole(userId: string, role: "user" | "admin"): Promise<void> {
  unwrap(await authClient.admin.setRole({ userId, role }));
}

/** `expiresInSeconds` null = permanent. */
export async function banUser(userId: string, reason: string, expiresInSeconds: number | null): Promise<void> {
  unwrap(
    await authClient.admin.banUser({
      userId,
      ...(reason ? { banReason: reason } : {}),
      ...(expiresInSeconds ? { banExpiresIn: expiresInSeconds } : {}),
    }),
  );
}

export async function unbanUser(userId: string): Promise<void> {
  unwrap(await authClient.admin.unbanUser({ userId }));
}

export async function listUserSessions(userId: string): Promise<AdminSession[]> {
  const res = unwrap(await authClient.admin.listUserSessions({ userId }));
  return (res.sessions as AdminSession[]).sort(
    (a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime(),
  );
}

export async function revokeUserSession(sessionToken: string): Promise<void> {
  unwrap(await authClient.admin.revokeUserSession({ sessionToken }));
}

export async function revokeUserSessions(userId: string): Promise<void> {
  unwrap(await authClient.admin.revokeUserSessions({ userId }));
}

/**
 * Creates an account (better-auth admin create-user). Without a password the auth server mails an
 * invitation with a set-password link; with one, the account can sign in at once (verified,
 * since the admin vouches for the address).
 */
export async function createUser(input: {
  name: string;
  email: string;
  role: "user" | "admin";
  password?: string;
}): Promise<AdminUser> {
  const { password, ...rest } = input;
  const res = unwrap(
    await authClient.admin.createUser({
      ...rest,
      ...(password ? { password, data: { emailVerified: true } } : {}),
    }),
  );
  return res.user as AdminUser;
}

/** Deletes the account, its sessions and sign-in methods (better-auth remove-user); cannot be undone. */
export async function removeUser(userId: string): Promise<void> {
  unwrap(await authClient.admin.removeUser({ userId }));
}

export async function markEmailVerified(userId: string): Promise<void> {
  unwrap(await authClient.admin.updateUser({ userId, data: { emailVerified: true } }));
}

/**
 * Mails the user's verification link again (the auth server's POST /admin/send-verification-email),
 * recorded in the audit log as this admin's action.
 */
export async function sendVerificationLink(userId: string): Promise<void> {
  unwrap(
    await authClient.$fetch<{ status: boolean }>("/admin/send-verification-email", {
      method: "POST",
      body: { userId },
    }),
  );
}

/** Sets a new password; `signOutEverywhere` also ends every session (what a leaked password needs). */
export async function setUserPassword(userId: string, newPassword: string, signOutEverywhere: boolean): Promise<void> {
  unwrap(await authClient.admin.setUserPassword({ userId, newPassword }));
  if (signOutEverywhere) await revokeUserSessions(userId);
}

/** The same reset link the person could ask for on the sign-in page, mailed to them. */
export async function sendResetLink(email: string): Promise<void> {
  unwrap(await authClient.requestPasswordReset({ email, redirectTo: `${window.location.origin}/reset-password` }));
}

export async function impersonate(userId: string): Promise<void> {
  const { error } = await authClient.admin.impersonateUser({ userId });
  if (error) throw RequestError.from(error, error.status);
}

/** Ban lengths offered to admins, in seconds; null = permanent. */
export const BAN_DURATIONS: { label: string; seconds: number | null }[] = [
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86_400 },
  { label: "7 days", seconds: 7 * 86_400 },
  { label: "30 days", seconds: 30 * 86_400 },
  { label: "Permanently", seconds: null },
];

/** A ban whose end has passed no longer counts (better-auth lifts it at the next sign-in). */
export function isBanActive(u: Pick<AdminUser, "banned" | "banExpires">, now = Date.now()): boolean {
  if (!u.banned) return false;
  if (!u.banExpires) return true;
  return new Date(u.banExpires).getTime() > now;
}
