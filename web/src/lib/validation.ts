import { FIELD_LIMITS } from "../contract.gen";

/**
 * Field validation that runs before any request, so bad input never reaches a server. Limits are
 * the contract's (contract/gatehouse.json `fieldLimits`), the ones both servers enforce — the
 * servers still check; this only spares people a round trip and gives precise messages.
 */
export const LIMITS = {
  passwordMin: FIELD_LIMITS.password.minLength,
  passwordMax: FIELD_LIMITS.password.maxLength,
  nameMax: FIELD_LIMITS.userName.maxLength,
  emailMax: FIELD_LIMITS.userEmail.maxLength,
  urlMax: FIELD_LIMITS.userImage.maxLength,
  taskTitleMax: FIELD_LIMITS.taskTitle.maxLength,
  taskDescriptionMax: FIELD_LIMITS.taskDescription.maxLength,
  banReasonMax: FIELD_LIMITS.banReason.maxLength,
} as const;

/** A validator returns a message for people, or null when the value is fine. */
export type Validator = (value: string) => string | null;

// Deliberately loose: one "@", something on each side, a dot in the domain, no spaces.
// The real check is the verification mail.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const required =
  (label: string): Validator =>
  (v) =>
    v.trim() ? null : `${label} is required.`;

export const maxLength =
  (label: string, max: number): Validator =>
  (v) =>
    // Code points, as both servers count (an emoji is one character, not two UTF-16 units).
    [...v].length > max ? `${label} must be at most ${max} characters.` : null;

export const email: Validator = (v) => {
  const t = v.trim();
  if (!t) return "Email is required.";
  if (t.length > LIMITS.emailMax) return `Email must be at most ${LIMITS.emailMax} characters.`;
  return EMAIL_RE.test(t) ? null : "Enter a valid email address, like name@example.com.";
};

export const password: Validator = (v) => {
  if (!v) return "Password is required.";
  if (v.length < LIMITS.passwordMin) return `Password must be at least ${LIMITS.passwordMin} characters.`;
  if (v.length > LIMITS.passwordMax) return `Password must be at most ${LIMITS.passwordMax} characters.`;
  return null;
};

/** Confirmation must equal the other field; the message names what it confirms. */
export const matches =
  (other: () => string, message = "Passwords don't match."): Validator =>
  (v) =>
    v === other() ? null : message;

/** Optional http(s) URL (empty is allowed). */
export const optionalUrl: Validator = (v) => {
  const t = v.trim();
  if (!t) return null;
  if (t.length > LIMITS.urlMax) return `URL must be at most ${LIMITS.urlMax} characters.`;
  try {
    const u = new URL(t);
    return u.protocol === "http:" || u.protocol === "https:" ? null : "Use an http:// or https:// address.";
  } catch {
    return "Enter a full URL, like https://example.com/me.png.";
  }
};

/** Runs validators in order; the first message wins. */
export function check(value: string, ...validators: Validator[]): string | null {
  for (const v of validators) {
    const msg = v(value);
    if (msg) return msg;
  }
  return null;
}

export type Rules<K extends string> = Record<K, Validator[]>;
export type Errors<K extends string> = Partial<Record<K, string>>;

/** Validates a whole form; returns only the fields with problems (empty object = valid). */
export function validate<K extends string>(values: Record<K, string>, rules: Rules<K>): Errors<K> {
  const errors: Errors<K> = {};
  for (const key of Object.keys(rules) as K[]) {
    const msg = check(values[key] ?? "", ...rules[key]);
    if (msg) errors[key] = msg;
  }
  return errors;
}

export function hasErrors<K extends string>(errors: Errors<K>): boolean {
  return Object.keys(errors).length > 0;
}
