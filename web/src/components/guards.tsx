import { type ReactElement, useRef } from "react";
import { Navigate, Outlet, useLocation } from "react-router";
import { authClient } from "../lib/auth-client";
import { toAppError } from "../lib/errors";
import { exitReasonNow } from "../lib/session-events";
import { ErrorAlert } from "./Alert";
import { Button } from "./Button";
import { PageLoader } from "./Spinner";

/** `/sign-in?next=<here>`: after signing in, people land where they were going. */
export function signInPath(next: string, reason?: string): string {
  const q = new URLSearchParams();
  if (next && next !== "/" && !next.startsWith("/sign-in")) q.set("next", next);
  if (reason) q.set("reason", reason);
  const s = q.toString();
  return s ? `/sign-in?${s}` : "/sign-in";
}

/** Only signed-in people get past; a session check that failed (not "no session") offers a retry. */
export function RequireAuth(): ReactElement {
  const { data, isPending, isRefetching, error, refetch } = authClient.useSession();
  const location = useLocation();
  // A session that vanishes under an open page (revoked, banned, expired — noticed by the
  // periodic check) ended; it was not a sign-out.
  const hadSession = useRef(false);
  if (data) hadSession.current = true;
  if ((isPending || isRefetching) && !data) return <PageLoader label="Checking your session…" />;
  if (error && !data) {
    return (
      <div className="page page-narrow stack">
        <ErrorAlert error={toAppError(error)}>
          <Button variant="secondary" size="sm" onClick={() => void refetch()}>
            Try again
          </Button>
        </ErrorAlert>
      </div>
    );
  }
  if (!data) {
    const reason = exitReasonNow() ?? (hadSession.current ? "session-ended" : null);
    // Someone who chose to leave starts fresh; anyone else comes back to where they were.
    const to =
      reason === "signed-out" || reason === "account-deleted"
        ? signInPath("/", reason)
        : signInPath(location.pathname + location.search, reason ?? undefined);
    return <Navigate to={to} replace />;
  }
  return <Outlet />;
}

export function isAdmin(role: string | null | undefined): boolean {
  return (role ?? "").split(",").some((r) => r.trim() === "admin");
}

/**
 * Admin pages for admins only. Hiding the link is not protection — the auth server refuses the
 * admin endpoints to everyone else anyway — but this keeps people off a page that cannot work.
 */
export function RequireAdmin(): ReactElement {
  const { data } = authClient.useSession();
  if (!data || !isAdmin(data.user.role)) {
    return (
      <div className="page page-narrow">
        <div className="card stack" role="alert">
          <h1>Not allowed</h1>
          <p className="muted">
            This area is for administrators. If you think you should have access, ask an admin to change your role.
          </p>
          <div>
            <a className="btn btn-secondary" href="/tasks">
              Back to your tasks
            </a>
          </div>
        </div>
      </div>
    );
  }
  return <Outlet />;
}
