import { ADMIN_ROLES, DEFAULT_ROLE, ROLE_NAMES, ROLE_SEPARATOR, type RoleName } from "../../contract.gen.js";

/**
 * The one reading of `users.role` on the auth server (the Python package reads it the same way):
 * the stored value is one role name or several joined by ROLE_SEPARATOR (","), split and compared
 * exactly, never trimmed, as better-auth's admin plugin does in `hasPermission`. A name that is
 * not configured grants nothing. An absent or empty value means DEFAULT_ROLE, as in better-auth.
 *
 * Why never trim: `"user, admin"` would be admin to a reader that trims and a plain user to
 * better-auth, which does not; two readers disagreeing about who is an admin is the hole.
 */
const KNOWN: ReadonlySet<string> = new Set(ROLE_NAMES);
const ADMIN: ReadonlySet<string> = new Set(ADMIN_ROLES);

const isRoleName = (name: string): name is RoleName => KNOWN.has(name);

/** The configured roles a stored value grants (exact names; unknown pieces grant nothing). */
export function rolesOf(stored: string | null | undefined): RoleName[] {
  if (!stored) return [DEFAULT_ROLE];
  return stored.split(ROLE_SEPARATOR).filter(isRoleName);
}

/** True when a stored value grants one of the admin roles (ADMIN_ROLES). */
export function isAdminRole(stored: string | null | undefined): boolean {
  return rolesOf(stored).some((r) => ADMIN.has(r));
}

/**
 * A submitted role (a name, several joined by ",", or an array of either) as the value to store,
 * or null when any piece is not exactly a configured name (`"user, admin"`, `""`, `"root"`,
 * `"constructor"`). Duplicates are dropped, order kept.
 */
export function parseRoleInput(value: unknown): string | null {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) return null;
  const names: RoleName[] = [];
  for (const item of items) {
    if (typeof item !== "string") return null;
    for (const piece of item.split(ROLE_SEPARATOR)) {
      if (!isRoleName(piece)) return null;
      if (!names.includes(piece)) names.push(piece);
    }
  }
  return names.join(ROLE_SEPARATOR);
}

/**
 * The role a credential carries (JWT `role` claim, /me): only the configured names a stored value
 * grants, joined, so every reader sees what better-auth enforces (`"user, admin"` → `"user"`).
 */
export function canonicalRole(stored: string | null | undefined): string {
  return rolesOf(stored).join(ROLE_SEPARATOR) || DEFAULT_ROLE;
}
