import { canonicalRole } from "../plugins/roles/index.js";

/** The answer of `GET /api/auth/me`: the caller's public profile (never a token or a password hash). */
export interface MeAnswer {
  id: string;
  email: string;
  name: string;
  image: string | null;
  emailVerified: boolean;
  /** The stored role as the admin plugin reads it (`canonicalRole`). */
  role: string;
}

/** The user fields `meAnswer` reads, as better-auth's user rows carry them. */
export interface MeSource {
  id: string;
  email: string;
  name: string;
  image?: string | null;
  emailVerified: boolean;
  role?: unknown;
}

/**
 * `GET /api/auth/me`'s body for `user`, a better-auth user row; one shape for the fast path
 * (`fast-session.ts`) and better-auth's own session lookup (`sessions.ts`).
 */
export function meAnswer(user: MeSource): MeAnswer {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    image: user.image ?? null,
    emailVerified: user.emailVerified,
    role: canonicalRole(user.role as string | null | undefined),
  };
}

/**
 * First and last characters of a session token: enough to match it with what a client holds,
 * far too little to use it (the full token is 32 random characters).
 */
export function tokenExcerpt(token: string): string {
  return token.length <= 8 ? "…" : `${token.slice(0, 4)}…${token.slice(-2)}`;
}
