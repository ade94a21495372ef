import { type ReactElement, useState } from "react";
import { Link } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { authClient } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { email } from "../../lib/validation";

export function ForgotPasswordPage(): ReactElement {
  const form = useForm({ email: "" }, () => ({ email: [email] }));
  const [sentTo, setSentTo] = useState<string | null>(null);
  const request = useAction(async (address: string) => {
    unwrap(
      await authClient.requestPasswordReset({ email: address, redirectTo: `${window.location.origin}/reset-password` }),
    );
    setSentTo(address);
  });

  return (
    <>
      <div className="card auth-card">
        <div className="card-header">
          <h1>Reset your password</h1>
          <p className="muted">Enter your account's email and we'll send you a link to choose a new password.</p>
        </div>
        {sentTo ? (
          <div className="stack">
            <Alert tone="success" title="Check your inbox">
              <p>
                If an account exists for <strong className="break">{sentTo}</strong>, a reset link is on its way. It's
                valid for one hour.
              </p>
            </Alert>
            <Button variant="secondary" onClick={() => setSentTo(null)}>
              Use a different email
            </Button>
          </div>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={form.handleSubmit(async (v) => {
              await request.run(v.email.trim());
            })}
          >
            <ErrorAlert error={request.error} />
            <TextField label="Email" type="email" autoComplete="email" inputMode="email" {...form.field("email")} />
            <Button type="submit" block loading={request.pending}>
              Send reset link
            </Button>
          </form>
        )}
      </div>
      <div className="auth-footer">
        <p>
          Remembered it? <Link to="/sign-in">Back to sign in</Link>
        </p>
      </div>
    </>
  );
}
