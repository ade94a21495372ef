import type { ReactElement } from "react";
import { Link } from "react-router";

export function Brand({ to = "/" }: { to?: string }): ReactElement {
  return (
    <Link to={to} className="brand">
      <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="#3b4cca" />
        <path d="M9 25V13l7-5 7 5v12h-5v-7h-4v7z" fill="#fff" />
      </svg>
      Gatehouse
    </Link>
  );
}
