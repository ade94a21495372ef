import { type ReactElement, useEffect, useRef, useState } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { ProviderButtons } from "../../components/ProviderButtons";
import { ErrorCode } from "../../contract.gen";
import { authClient } from "../../lib/auth-client";
import { unwrap, withRetryAfter } from "../../lib/errors";
import { oauthRedirectError } from "../../lib/oauth-errors";
import { safeNext } from "../../lib/redirect";
import { clearExit, exitReasonNow } from "../../lib/session-events";
import { useAction } from "../../lib/use-action";
import { formatWait, useCountdown } from "../../lib/use-countdown";
import { useForm } from "../../lib/use-form";
import { email, LIMITS, maxLength, required } from "../../lib/validation";
import { durationInWords } from "../../lib/wording.gen";
import { TwoFactorChallenge } from "./TwoFactorChallenge";

const REASONS: Record<string, { tone: "info" | "success" | "warning"; text: string }> = {
  "session-ended": { tone: "warning", text: "Your session has ended. Please sign in again." },
  "signed-out": { tone: "success", text: "You have signed out." },
  "verified-elsewhere": { tone: "success", text: "Your email address is confirmed. Sign in to continue." },
  "password-reset": { tone: "success", text: "Your password has been changed. Sign in with the new one." },
  "password-set": { tone: "success", text: "Your password is set. Sign in with it." },
  "account-deleted": { tone: "success", text: "Your account has been deleted." },
  "impersonation-ended": { tone: "success", text: "Impersonation ended. Sign in as yourself to continue." },
  reauth: { tone: "info", text: "Sign in again to confirm it's you, then retry the change." },
};

const rules = () => ({
  email: [email],
  // No minimum here: an account may predate a stricter policy; the server decides.
  password: [required("Password"), maxLength("Password", LIMITS.passwordMax)],
});

export function SignInPage(): ReactElement {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const reason = REASONS[params.get("reason") ?? ""];
  // A provider sign-in that failed comes back here as ?error=<CODE>.
  const providerError = oauthRedirectError(params.get("error"));
  const session = authClient.useSession();
  const form = useForm({ email: params.get("email") ?? "", password: "" }, rules);
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const wait = useCountdown(lockedUntil);
  const signIn = useAction(async (v: { email: string; password: string }) => {
    const call = withRetryAfter();
    return call.unwrap(await authClient.signIn.email({ email: v.email.trim(), password: v.password }, call.options));
  });
  const [challenge, setChallenge] = useState(false);
  const passkey = useAction(async () => {
    const res = await authClient.signIn.passkey();
    unwrap(res as { data: unknown; error: unknown });
  });
  const [resent, setResent] = useState(false);
  const resendRef = useRef<HTMLButtonElement>(null);
  const resend = useAction(async () => {
    unwrap(await authClient.sendVerificationEmail({ email: form.values.email.trim() }));
    setResent(true);
  });

  // The lock is over: its message goes, so the next answer is the only one on screen.
  useEffect(() => {
    if (lockedUntil && wait === 0) {
      setLockedUntil(null);
      signIn.setError(null);
    }
  }, [wait, lockedUntil, signIn]);

  // Right after a sign-out the session store may still hold the old session for a moment: an exit
  // in progress must not bounce the person back into the app.
  if (session.data && !signIn.pending && !exitReasonNow()) return <Navigate to={next} replace />;

  const finish = async (): Promise<void> => {
    clearExit();
    // Load the new session before leaving, so the next page never sees "signed out" for a moment.
    await session.refetch();
    navigate(next, { replace: true });
  };
  const withPasskey = async (): Promise<void> => {
    const res = await passkey.run();
    if (res.ok) await finish();
  };

  const onSubmit = form.handleSubmit(async (v) => {
    setResent(false);
    const res = await signIn.run(v);
    if (!res.ok) {
      const { code, retryAfter } = res.error;
      if (code === ErrorCode.RATE_LIMITED) setLockedUntil(Date.now() + (retryAfter ?? 30) * 1000);
      // Focus goes where the person can act on the answer; otherwise it stays on the button.
      else if (code === ErrorCode.INVALID_EMAIL_OR_PASSWORD) form.fail("password");
      else if (code === ErrorCode.EMAIL_NOT_VERIFIED) requestAnimationFrame(() => resendRef.current?.focus());
      return;
    }
    // An account with two-step verification answers the password with a challenge, not a session.
    if ((res.value as { twoFactorRedirect?: boolean } | null)?.twoFactorRedirect) {
      setChallenge(true);
      return;
    }
    await finish();
  });

  if (challenge) {
    return (
      <div className="card auth-card">
        <div className="card-header">
          <h1>Two-step verification</h1>
          <p className="muted">Your password was right. One more step to sign in.</p>
        </div>
        <TwoFactorChallenge onDone={finish} onCancel={() => setChallenge(false)} />
        <Button variant="secondary" block loading={passkey.pending} onClick={() => void withPasskey()}>
          Use a passkey instead
        </Button>
        <ErrorAlert error={passkey.error} />
      </div>
    );
  }

  const locked = wait > 0;
  const error = signIn.error;
  return (
    <>
      <div className="card auth-card">
        <div className="card-header">
          <h1>Sign in</h1>
          <p className="muted">Welcome back. Sign in to see your tasks.</p>
        </div>
        <form className="stack" onSubmit={onSubmit} noValidate>
          {reason && !error && !providerError && <Alert tone={reason.tone}>{reason.text}</Alert>}
          {providerError && !error && <Alert tone="error">{providerError.message}</Alert>}
          {error?.code === ErrorCode.RATE_LIMITED ? (
            locked && (
              <Alert tone="error" title="Too many attempts">
                {/* Said once; the button counts down without re-announcing every second. */}
                <p>
                  For your safety, sign-in is paused. Try again in{" "}
                  {durationInWords(Math.max(1, error.retryAfter ?? 30))}.
                </p>
              </Alert>
            )
          ) : (
            <ErrorAlert error={error}>
              {error?.code === ErrorCode.EMAIL_NOT_VERIFIED &&
                (resent ? (
                  <p>We sent a new link. Check your inbox.</p>
                ) : (
                  <Button
                    ref={resendRef}
                    variant="secondary"
                    size="sm"
                    loading={resend.pending}
                    onClick={() => void resend.run()}
                  >
                    Send the verification link again
                  </Button>
                ))}
            </ErrorAlert>
          )}
          <ErrorAlert error={resend.error} />
          <TextField label="Email" type="email" autoComplete="email" inputMode="email" {...form.field("email")} />
          <TextField label="Password" type="password" autoComplete="current-password" {...form.field("password")} />
          <div className="row-between">
            <Link to="/forgot-password" className="small">
              Forgot your password?
            </Link>
          </div>
          <Button type="submit" block loading={signIn.pending} disabledFocusable={locked}>
            {locked ? `Try again in ${formatWait(wait)}` : "Sign in"}
          </Button>
        </form>
        <div className="stack">
          <ErrorAlert error={passkey.error} />
          <Button variant="secondary" block loading={passkey.pending} onClick={() => void withPasskey()}>
            Sign in with a passkey
          </Button>
        </div>
        <ProviderButtons next={next} />
      </div>
      <div className="auth-footer">
        <p>
          New here? <Link to="/sign-up">Create an account</Link>
        </p>
      </div>
    </>
  );
}
