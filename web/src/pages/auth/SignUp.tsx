import type { ReactElement } from "react";
import { Link, Navigate, useNavigate } from "react-router";
import { ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { ProviderButtons } from "../../components/ProviderButtons";
import { authClient } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { exitReasonNow } from "../../lib/session-events";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { email, LIMITS, matches, maxLength, password, required } from "../../lib/validation";
import { newWaiter, waiterHeaders } from "../../lib/verification-waiter";

type Values = { name: string; email: string; password: string; confirm: string };

const rules = (v: Values) => ({
  name: [required("Name"), maxLength("Name", LIMITS.nameMax)],
  email: [email],
  password: [password],
  confirm: [required("Password confirmation"), matches(() => v.password)],
});

export function SignUpPage(): ReactElement {
  const navigate = useNavigate();
  const session = authClient.useSession();
  const form = useForm<keyof Values>({ name: "", email: "", password: "", confirm: "" }, rules);
  const signUp = useAction(async (v: Values) => {
    // A new secret per sign-up: "Check your inbox" asks with it whether the address got verified.
    const headers = waiterHeaders(newWaiter(v.email));
    return unwrap(
      await authClient.signUp.email({ name: v.name.trim(), email: v.email.trim(), password: v.password }, { headers }),
    );
  });

  if (session.data && !exitReasonNow()) return <Navigate to="/tasks" replace />;

  const onSubmit = form.handleSubmit(async (v) => {
    const res = await signUp.run(v);
    if (res.ok) navigate(`/check-inbox?email=${encodeURIComponent(v.email.trim())}`);
  });

  return (
    <>
      <div className="card auth-card">
        <div className="card-header">
          <h1>Create your account</h1>
          <p className="muted">We'll send a link to confirm your email address.</p>
        </div>
        <form className="stack" onSubmit={onSubmit} noValidate>
          <ErrorAlert error={signUp.error} />
          <TextField label="Name" autoComplete="name" {...form.field("name")} />
          <TextField label="Email" type="email" autoComplete="email" inputMode="email" {...form.field("email")} />
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            hint={`${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters.`}
            {...form.field("password")}
          />
          <TextField label="Confirm password" type="password" autoComplete="new-password" {...form.field("confirm")} />
          <Button type="submit" block loading={signUp.pending}>
            Create account
          </Button>
        </form>
        <ProviderButtons next="/tasks" />
      </div>
      <div className="auth-footer">
        <p>
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      </div>
    </>
  );
}
