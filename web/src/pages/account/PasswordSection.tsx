import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { Checkbox, TextField } from "../../components/Field";
import { authClient } from "../../lib/auth-client";
import { tokens } from "../../lib/backend";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { LIMITS, matches, maxLength, password, required } from "../../lib/validation";

type Values = { current: string; next: string; confirm: string };

const rules = (v: Values) => ({
  current: [required("Current password"), maxLength("Current password", LIMITS.passwordMax)],
  next: [password, (x: string) => (x && x === v.current ? "The new password must differ from the current one." : null)],
  confirm: [required("Password confirmation"), matches(() => v.next)],
});

export function PasswordSection(): ReactElement {
  const form = useForm<keyof Values>({ current: "", next: "", confirm: "" }, rules);
  const [signOutOthers, setSignOutOthers] = useState(true);
  const [done, setDone] = useState<string | null>(null);
  const change = useAction(async (v: Values) => {
    unwrap(
      await authClient.changePassword({
        currentPassword: v.current,
        newPassword: v.next,
        revokeOtherSessions: signOutOthers,
      }),
    );
    // Revoking others issues this device a new session: its old JWT must not be reused.
    tokens.invalidate();
    form.setValues({ current: "", next: "", confirm: "" });
    setDone(signOutOthers ? "Password changed. Every other device has been signed out." : "Password changed.");
  });
  return (
    <section className="card" aria-labelledby="password-h">
      <div className="card-header">
        <h2 id="password-h">Change password</h2>
        <p className="muted">Use at least {LIMITS.passwordMin} characters. A passphrase is easiest to remember.</p>
      </div>
      <form
        className="stack"
        noValidate
        onSubmit={form.handleSubmit(async (v) => {
          setDone(null);
          await change.run(v);
        })}
      >
        {done && <Alert tone="success">{done}</Alert>}
        <ErrorAlert error={change.error} />
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          {...form.field("current")}
        />
        <TextField label="New password" type="password" autoComplete="new-password" {...form.field("next")} />
        <TextField
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          {...form.field("confirm")}
        />
        <Checkbox
          label="Sign out all other devices"
          checked={signOutOthers}
          onChange={(e) => setSignOutOthers(e.target.checked)}
        />
        <div>
          <Button type="submit" loading={change.pending}>
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}
