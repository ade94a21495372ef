import { type ReactElement, useState } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { ProviderButtons } from "../../components/ProviderButtons";
import { authClient } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { oauthRedirectError } from "../../lib/oauth-errors";
import { safeNext } from "../../lib/redirect";
import { clearExit, exitReasonNow } from "../../lib/session-events";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { email, LIMITS, maxLength, required } from "../../lib/validation";

const REASONS: Record<string, { tone: "info" | "success" | "warning"; text: string }> = {
  "session-ended": { tone: "warning", text: "Your session has ended. Please sign in again." },
  "signed-out": { tone: "success", text: "You have signed out." },
  "password-reset": { tone: "success", text: "Your password has been changed. Sign in with the new one." },
  "account-deleted": { tone: "success", text: "Your account has been deleted." },
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
  const form = useForm({ email: "", password: "" }, rules);
  const signIn = useAction(async (v: { email: string; password: string }) =>
    unwrap(await authClient.signIn.email({ email: v.email.trim(), password: v.password })),
  );
  const [resent, setResent] = useState(false);
  const resend = useAction(async () => {
    unwrap(await authClient.sendVerificationEmail({ email: form.values.email.trim() }));
    setResent(true);
  });

  // Right after a sign-out the session store may still hold the old session for a moment: an exit
  // in progress must not bounce the person back into the app.
  if (session.data && !signIn.pending && !exitReasonNow()) return <Navigate to={next} replace />;

  const onSubmit = form.handleSubmit(async (v) => {
    setResent(false);
    const res = await signIn.run(v);
    if (!res.ok) return;
    clearExit();
    // Load the new session before leaving, so the next page never sees "signed out" for a moment.
    await session.refetch();
    navigate(next, { replace: true });
  });

  return (
    <>
      <div className="card auth-card">
        <div className="card-header">
          <h1>Sign in</h1>
          <p className="muted">Welcome back. Sign in to see your tasks.</p>
        </div>
        <form className="stack" onSubmit={onSubmit} noValidate>
          {reason && !signIn.error && !providerError && <Alert tone={reason.tone}>{reason.text}</Alert>}
          {providerError && !signIn.error && <Alert tone="error">{providerError.message}</Alert>}
          <ErrorAlert error={signIn.error}>
            {signIn.error?.code === "EMAIL_NOT_VERIFIED" &&
              (resent ? (
                <p>We sent a new link. Check your inbox.</p>
              ) : (
                <Button variant="secondary" size="sm" loading={resend.pending} onClick={() => void resend.run()}>
                  Send the verification link again
                </Button>
              ))}
          </ErrorAlert>
          <ErrorAlert error={resend.error} />
          <TextField label="Email" type="email" autoComplete="email" inputMode="email" {...form.field("email")} />
          <TextField label="Password" type="password" autoComplete="current-password" {...form.field("password")} />
          <div className="row-between">
            <Link to="/forgot-password" className="small">
              Forgot your password?
            </Link>
          </div>
          <Button type="submit" block loading={signIn.pending}>
            Sign in
          </Button>
        </form>
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
