import { type ReactElement, useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { PageLoader } from "../../components/Spinner";
import { ErrorCode } from "../../contract.gen";
import { authClient } from "../../lib/auth-client";
import { announce, readVerificationToken, resendVerification } from "../../lib/auth-links";
import { type AppError, toAppError } from "../../lib/errors";
import { clearExit } from "../../lib/session-events";
import { useAction } from "../../lib/use-action";

type Done = "signed-in" | "already-verified" | "change-approved" | "email-changed";
type State = { kind: "verifying" } | { kind: "done"; done: Done } | { kind: "failed"; error: AppError };

const signInWith = (email: string | undefined): string =>
  email ? `/sign-in?email=${encodeURIComponent(email)}` : "/sign-in";

/**
 * Landing page of every mail link better-auth verifies: a sign-up's address, and both steps of an
 * email change. The outcome is checked, not assumed: a re-used link says "already verified", an
 * expired one offers a new link to the address it was for.
 */
export function VerifyEmailPage(): ReactElement {
  const [params] = useSearchParams();
  const token = params.get("token");
  const linkError = params.get("error");
  const claims = useMemo(() => readVerificationToken(token), [token]);
  const [state, setState] = useState<State>(() =>
    !token || linkError || !claims
      ? { kind: "failed", error: toAppError({ code: linkError || ErrorCode.INVALID_TOKEN }) }
      : { kind: "verifying" },
  );
  const [resentTo, setResentTo] = useState<string | null>(null);
  const resend = useAction(async (email: string) => {
    await resendVerification(email);
    setResentTo(email);
  });
  // Tokens are single-use: React's dev double-effect must not spend it twice.
  const started = useRef(false);

  useEffect(() => {
    if (!token || !claims || linkError || started.current) return;
    started.current = true;
    void (async () => {
      const { error } = await authClient.verifyEmail({ query: { token } });
      if (error) return setState({ kind: "failed", error: toAppError(error) });
      if (claims.kind === "change-approve") return setState({ kind: "done", done: "change-approved" });
      const { data: session } = await authClient.getSession();
      if (claims.kind === "change-confirm") {
        announce({ type: "email-changed", email: claims.updateTo ?? "" });
        return setState({ kind: "done", done: "email-changed" });
      }
      // better-auth answers a used link like a fresh one, but signs in only the first time.
      if (session?.user.email === claims.email) {
        clearExit(); // verifying signed in: a new session, whatever came before
        announce({ type: "signed-in" });
        return setState({ kind: "done", done: "signed-in" });
      }
      setState({ kind: "done", done: "already-verified" });
    })().catch((err: unknown) => setState({ kind: "failed", error: toAppError(err) }));
  }, [token, claims, linkError]);

  if (state.kind === "verifying") {
    return (
      <div className="card auth-card">
        <h1 className="visually-hidden">Verifying your email</h1>
        <PageLoader label="Verifying your email…" />
      </div>
    );
  }
  if (state.kind === "done") return <Verified done={state.done} email={claims?.email} updateTo={claims?.updateTo} />;

  const expired = state.error.code === ErrorCode.TOKEN_EXPIRED;
  const change = claims && claims.kind !== "verify";
  return (
    <div className="card auth-card stack">
      <h1>{expired ? "This link has expired" : "This link doesn't work"}</h1>
      <Alert tone="error">{state.error.message}</Alert>
      {change ? (
        <>
          <p className="muted">Email change links work for 15 minutes. Ask for the change again from your account.</p>
          <Link className="btn btn-primary" to="/account">
            Go to your account
          </Link>
        </>
      ) : resentTo ? (
        <Alert tone="success" title="A new link is on its way">
          <p>
            We sent it to <strong className="break">{resentTo}</strong>. It's valid for 15 minutes.
          </p>
        </Alert>
      ) : (
        <>
          <p className="muted">
            {expired
              ? "Verification links are valid for 15 minutes. Ask for a new one and use it right away."
              : "It may have been used already. If your email is verified, just sign in."}
          </p>
          <ErrorAlert error={resend.error} />
          <div className="row">
            {claims ? (
              <Button loading={resend.pending} onClick={() => void resend.run(claims.email)}>
                Send a new link to {claims.email}
              </Button>
            ) : (
              <Link className="btn btn-primary" to="/check-inbox">
                Send a new link
              </Link>
            )}
            <Link className="btn btn-secondary" to={signInWith(claims?.email)}>
              Sign in
            </Link>
          </div>
        </>
      )}
    </div>
  );
}

function Verified({
  done,
  email,
  updateTo,
}: {
  done: Done;
  email: string | undefined;
  updateTo: string | null | undefined;
}): ReactElement {
  if (done === "signed-in")
    return (
      <div className="card auth-card stack">
        <h1>Email verified</h1>
        <Alert tone="success">Thanks — your email address is confirmed and you're signed in.</Alert>
        <Link className="btn btn-primary btn-block" to="/tasks">
          Go to your tasks
        </Link>
      </div>
    );
  if (done === "already-verified")
    return (
      <div className="card auth-card stack">
        <h1>Already verified</h1>
        <Alert tone="info">
          <p>
            <strong className="break">{email}</strong> is already confirmed. Sign in to continue.
          </p>
        </Alert>
        <Link className="btn btn-primary btn-block" to={signInWith(email)}>
          Sign in
        </Link>
      </div>
    );
  if (done === "change-approved")
    return (
      <div className="card auth-card stack">
        <h1>Change approved</h1>
        <Alert tone="success">
          <p>
            One step left: we sent a link to <strong className="break">{updateTo}</strong>. Open it to confirm the new
            address; until then your account keeps <span className="break">{email}</span>.
          </p>
        </Alert>
      </div>
    );
  return (
    <div className="card auth-card stack">
      <h1>Email address changed</h1>
      <Alert tone="success">
        <p>
          Your account's email address is now <strong className="break">{updateTo}</strong>. Sign in with it from now
          on.
        </p>
      </Alert>
      <Link className="btn btn-primary btn-block" to="/account">
        Go to your account
      </Link>
    </div>
  );
}
