import { type ReactElement, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Alert } from "../../components/Alert";
import { PageLoader } from "../../components/Spinner";
import { authClient } from "../../lib/auth-client";
import { type AppError, toAppError } from "../../lib/errors";
import { clearExit } from "../../lib/session-events";

type State = { kind: "verifying" } | { kind: "done" } | { kind: "failed"; error: AppError };

/** Landing page of the mail link: verifies the token, which also signs the person in. */
export function VerifyEmailPage(): ReactElement {
  const [params] = useSearchParams();
  const token = params.get("token");
  const linkError = params.get("error");
  const [state, setState] = useState<State>(() =>
    !token || linkError
      ? {
          kind: "failed",
          error: toAppError({ code: linkError || "INVALID_TOKEN", message: "This link is not complete." }),
        }
      : { kind: "verifying" },
  );
  // Tokens are single-use: React's dev double-effect must not spend it twice.
  const started = useRef(false);

  useEffect(() => {
    if (!token || linkError || started.current) return;
    started.current = true;
    void authClient.verifyEmail({ query: { token } }).then(
      ({ error }) => {
        if (!error) clearExit(); // verifying signs in: a new session, whatever came before
        setState(error ? { kind: "failed", error: toAppError(error) } : { kind: "done" });
      },
      (err: unknown) => setState({ kind: "failed", error: toAppError(err) }),
    );
  }, [token, linkError]);

  if (state.kind === "verifying") {
    return (
      <div className="card auth-card">
        <h1 className="visually-hidden">Verifying your email</h1>
        <PageLoader label="Verifying your email…" />
      </div>
    );
  }
  if (state.kind === "done") {
    return (
      <div className="card auth-card stack">
        <h1>Email verified</h1>
        <Alert tone="success">Thanks — your email address is confirmed and you're signed in.</Alert>
        <Link className="btn btn-primary btn-block" to="/tasks">
          Go to your tasks
        </Link>
      </div>
    );
  }
  const expired = state.error.code === "TOKEN_EXPIRED";
  return (
    <div className="card auth-card stack">
      <h1>{expired ? "This link has expired" : "We couldn't verify your email"}</h1>
      <Alert tone="error">{state.error.message}</Alert>
      <p className="muted">
        {expired
          ? "Verification links are valid for 15 minutes. Ask for a new one and use it right away."
          : "The link may have been used already. If your email is verified, just sign in."}
      </p>
      <div className="row">
        <Link className="btn btn-primary" to="/check-inbox">
          Send a new link
        </Link>
        <Link className="btn btn-secondary" to="/sign-in">
          Sign in
        </Link>
      </div>
    </div>
  );
}
