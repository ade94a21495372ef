import { callKey, type HookContext } from "../hook-context.js";
import { endpointSignedCookie, requestSession } from "../request-session.js";

/** better-auth two-factor plugin's challenge cookie (constant.ts `TWO_FACTOR_COOKIE_NAME`). */
export const TWO_FACTOR_COOKIE = "two_factor";

/** better-auth two-factor's refusal while its own account lock holds (a code outside the contract). */
export const BETTER_AUTH_LOCKED = "ACCOUNT_TEMPORARILY_LOCKED";

/** Whose second factor a verify request is about, and whether it completes a sign-in. */
export interface Challenge {
  userId: string;
  email: string;
  /** true: the two-factor cookie of a password sign-in; false: a signed-in user (enrolment, step-up). */
  signIn: boolean;
  /** When a sign-in's challenge was issued (its verification row's `createdAt`); null for a session. */
  issuedAt: Date | null;
  /** A sign-in challenge's identifier (the verification row's, signed into the cookie); null for a session. */
  identifier: string | null;
}

const resolved = new WeakMap<object, Promise<Challenge | null>>();

async function resolve(ctx: HookContext): Promise<Challenge | null> {
  // The same order as better-auth's verifyTwoFactor: a live session wins over the challenge cookie.
  const session = await requestSession(ctx);
  if (session)
    return { userId: session.user.id, email: session.user.email, signIn: false, issuedAt: null, identifier: null };
  const cookie = ctx.context.createAuthCookie(TWO_FACTOR_COOKIE);
  // As the endpoint reads it: the bearer plugin may have rebuilt the Cookie header (last pair wins).
  const identifier = await endpointSignedCookie(ctx, cookie.name);
  if (!identifier) return null;
  const pending = await ctx.context.internalAdapter.findVerificationValue(identifier);
  if (!pending || new Date(pending.expiresAt).getTime() <= Date.now()) return null;
  const user = await ctx.context.internalAdapter.findUserById(pending.value);
  return user
    ? { userId: user.id, email: user.email, signIn: true, issuedAt: new Date(pending.createdAt), identifier }
    : null;
}

/**
 * The user a second-factor verification is for (null when neither a session nor a live challenge
 * cookie names one; better-auth then refuses the request itself). Looked up once per request
 * (before the endpoint runs, so still valid after it consumed the challenge).
 */
export async function challengeOf(ctx: HookContext): Promise<Challenge | null> {
  const key = await callKey(ctx);
  let found = resolved.get(key);
  if (!found) {
    found = resolve(ctx);
    resolved.set(key, found);
  }
  return found;
}
