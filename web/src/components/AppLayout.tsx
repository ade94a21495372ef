import { type ReactElement, useEffect, useRef, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { DEV_MAILBOX } from "../config";
import { authClient, signOutOfApp } from "../lib/auth-client";
import { tokens } from "../lib/backend";
import { toAppError } from "../lib/errors";
import { clearExit, markExit, onSessionLost } from "../lib/session-events";
import { Alert } from "./Alert";
import { Avatar } from "./Avatar";
import { Brand } from "./Brand";
import { Button } from "./Button";
import { isAdmin, signInPath } from "./guards";
import { StepUpDialog } from "./StepUpDialog";

/**
 * Ends an impersonation and returns the admin to the impersonated user's page (where it began),
 * saying so there. Both "Stop impersonating" and "Sign out" end it this way: signing out during
 * an impersonation means leaving that user, not the admin's own session.
 */
function useStopImpersonating(userId: string | undefined, email: string | undefined) {
  const navigate = useNavigate();
  return async (): Promise<string | null> => {
    const { error } = await authClient.admin.stopImpersonating();
    if (error) return toAppError(error).message;
    tokens.invalidate();
    await authClient.getSession(); // the admin's own session again, before the admin page asks
    navigate(userId ? `/admin/users/${encodeURIComponent(userId)}` : "/admin", {
      state: { notice: `You stopped impersonating ${email ?? "that user"}.` },
    });
    return null;
  };
}

function ImpersonationBanner({ email, userId }: { email: string; userId: string }): ReactElement {
  const stopImpersonating = useStopImpersonating(userId, email);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stop = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const err = await stopImpersonating();
    setBusy(false);
    if (err) setError(err);
  };
  return (
    <section className="banner" aria-label="Impersonation">
      <div className="banner-inner">
        <span>
          <strong>Impersonating</strong> {email}. Everything you do happens as this user.
          {error && <span role="alert"> {error}</span>}
        </span>
        <Button size="sm" onClick={() => void stop()} loading={busy}>
          Stop impersonating
        </Button>
      </div>
    </section>
  );
}

/** The signed-in shell: header, navigation, impersonation banner, session-loss handling. */
export function AppLayout(): ReactElement {
  const { data } = authClient.useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const here = useRef(location.pathname + location.search);
  here.current = location.pathname + location.search;

  // A different session (sign-in, impersonation) must never reuse the previous session's JWT.
  const sessionId = data?.session.id;
  useEffect(() => {
    tokens.invalidate();
    if (sessionId) clearExit();
  }, [sessionId]);

  // The backend or the auth server said the session is gone: confirm, then send to sign in.
  useEffect(
    () =>
      onSessionLost(() => {
        void authClient.getSession().then(({ data: current }) => {
          if (current) return;
          tokens.invalidate();
          markExit("session-ended");
          navigate(signInPath(here.current, "session-ended"), { replace: true });
          authClient.$store.notify("$sessionSignal");
        });
      }),
    [navigate],
  );

  const user = data?.user;
  const impersonating = Boolean((data?.session as { impersonatedBy?: string | null } | undefined)?.impersonatedBy);
  const stopImpersonating = useStopImpersonating(user?.id, user?.email);

  const signOut = async (): Promise<void> => {
    setSigningOut(true);
    setSignOutError(null);
    if (impersonating) {
      const err = await stopImpersonating();
      setSigningOut(false);
      if (err) setSignOutError(err);
      return;
    }
    markExit("signed-out");
    const { error } = await signOutOfApp();
    setSigningOut(false);
    if (error) {
      clearExit();
      return setSignOutError(toAppError(error).message);
    }
    tokens.invalidate();
    navigate("/sign-in?reason=signed-out", { replace: true });
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {user && <StepUpDialog />}
      {user && impersonating && <ImpersonationBanner email={user.email} userId={user.id} />}
      <header className="app-header">
        <div className="app-header-inner">
          <Brand to={user ? "/tasks" : "/"} />
          <nav className="nav" aria-label="Main">
            {user && (
              <>
                <NavLink to="/tasks">Tasks</NavLink>
                <NavLink to="/account" end>
                  Account
                </NavLink>
                <NavLink to="/account/security">Security</NavLink>
                <NavLink to="/sessions">Sessions</NavLink>
                {isAdmin(user.role) && <NavLink to="/admin">Admin</NavLink>}
              </>
            )}
            {DEV_MAILBOX && <NavLink to="/dev/mailbox">Mailbox</NavLink>}
          </nav>
          <div className="user-menu">
            {user ? (
              <>
                <Avatar name={user.name || user.email} image={user.image} />
                <span className="user-menu-name" title={user.email}>
                  {user.name || user.email}
                </span>
                <Button variant="secondary" size="sm" onClick={() => void signOut()} loading={signingOut}>
                  Sign out
                </Button>
              </>
            ) : (
              <NavLink className="btn btn-primary btn-sm" to="/sign-in">
                Sign in
              </NavLink>
            )}
          </div>
        </div>
      </header>
      <main id="main">
        {signOutError && (
          <div className="page page-narrow" style={{ paddingBottom: 0 }}>
            <Alert tone="error">{signOutError}</Alert>
          </div>
        )}
        <Outlet />
      </main>
    </>
  );
}
