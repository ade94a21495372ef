import { randomBytes } from "node:crypto";
import type { Gatehouse } from "../gatehouse.js";

export interface CreateAdminResult {
  userId: string;
  created: boolean;
  /** Set when the account was created without a given password: shown once, never stored. */
  generatedPassword?: string;
}

/**
 * Makes `email` an admin. An existing account is promoted (and keeps its password); a new one is
 * created verified, with the given password or a generated one printed once.
 */
export async function createAdmin(
  gh: Gatehouse,
  email: string,
  opts: { name?: string; password?: string } = {},
): Promise<CreateAdminResult> {
  const normalized = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized)) throw new Error(`"${email}" is not an email address.`);
  const ctx = await gh.auth.$context;
  const existing = await ctx.internalAdapter.findUserByEmail(normalized);
  if (existing) {
    await ctx.internalAdapter.updateUser(existing.user.id, { role: "admin" });
    return { userId: existing.user.id, created: false };
  }
  const password = opts.password ?? randomBytes(18).toString("base64url");
  if (password.length < 8 || password.length > 128) throw new Error("The password must be 8 to 128 characters long.");
  // The admin plugin's endpoint, called server-side without a request: it runs every hook and
  // hashes with the configured argon2id.
  const { user } = await gh.auth.api.createUser({
    body: {
      email: normalized,
      password,
      name: opts.name ?? normalized.split("@")[0] ?? "admin",
      role: "admin",
      data: { emailVerified: true },
    },
  });
  return { userId: user.id, created: true, generatedPassword: opts.password ? undefined : password };
}
