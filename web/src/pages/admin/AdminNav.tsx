import type { ReactElement } from "react";
import { NavLink } from "react-router";

/** The admin area's two views. */
export function AdminNav(): ReactElement {
  return (
    <nav className="tabs" aria-label="Admin">
      <NavLink to="/admin" end>
        Users
      </NavLink>
      <NavLink to="/admin/events">Audit log</NavLink>
    </nav>
  );
}
