import { createAccessControl, type Role } from "better-auth/plugins/access";
import { adminAc, defaultStatements } from "better-auth/plugins/admin/access";
import { ADMIN_ROLES, DEFAULT_ROLE, ROLE_NAMES, type RoleName } from "../../contract.gen.js";

const ac = createAccessControl(defaultStatements);

/**
 * The admin plugin's `roles`, built from the contract's ROLE_NAMES: an admin role (ADMIN_ROLES)
 * may do everything the admin plugin offers (its own `adminAc` statements), any other configured
 * role nothing. The map has no prototype, so a name like "constructor" is not a role here either.
 */
export function configuredRoles(): Record<RoleName, Role> {
  const roles = Object.create(null) as Record<RoleName, Role>;
  for (const name of ROLE_NAMES)
    roles[name] = (ADMIN_ROLES as readonly string[]).includes(name)
      ? ac.newRole(adminAc.statements)
      : ac.newRole({ user: [], session: [] });
  return roles;
}

/** The admin plugin's role options, all from the contract. */
export function adminRoleOptions(): { roles: Record<RoleName, Role>; adminRoles: RoleName[]; defaultRole: RoleName } {
  return { roles: configuredRoles(), adminRoles: [...ADMIN_ROLES], defaultRole: DEFAULT_ROLE };
}
