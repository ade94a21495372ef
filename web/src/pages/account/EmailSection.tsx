import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { authClient, type SessionUser } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { email } from "../../lib/validation";

/**
 * Changing the address (better-auth change-email). For a verified account the current address
 * approves first and the new one confirms, so a stolen session alone cannot move the account;
 * nothing changes until both links are used.
 */
export function EmailSection({ user }: { user: SessionUser }): ReactElement {
  const form = useForm({ newEmail: "" }, () => ({
    newEmail: [
      email,
      (x: string) => (x.trim().toLowerCase() === user.email.toLowerCase() ? "That is already your address." : null),
    ],
  }));
  const [sent, setSent] = useState<string | null>(null);
  const change = useAction(async (newEmail: string) => {
    unwrap(await authClient.changeEmail({ newEmail }));
    setSent(newEmail);
    form.setValues({ newEmail: "" });
  });
  return (
    <section className="card" aria-labelledby="email-h">
      <div className="card-header">
        <h2 id="email-h">Email address</h2>
        <p className="muted break">
          You sign in and get mail at <strong>{user.email}</strong>.
        </p>
      </div>
      <form
        className="stack"
        noValidate
        onChange={() => setSent(null)}
        onSubmit={form.handleSubmit(async (v) => {
          setSent(null);
          await change.run(v.newEmail.trim());
        })}
      >
        {sent && (
          <Alert tone="success" title="Check your inbox">
            <p>
              {user.emailVerified ? (
                <>
                  To approve the change, open the link we sent to <strong className="break">{user.email}</strong>. Then
                  confirm it from <strong className="break">{sent}</strong>. Until both are done, nothing changes.
                </>
              ) : (
                <>
                  Confirm <strong className="break">{sent}</strong> with the link we sent there; until then nothing
                  changes.
                </>
              )}
            </p>
          </Alert>
        )}
        <ErrorAlert error={change.error} />
        <TextField label="New email address" type="email" autoComplete="email" {...form.field("newEmail")} />
        <div>
          <Button type="submit" variant="secondary" loading={change.pending}>
            Change email
          </Button>
        </div>
      </form>
    </section>
  );
}
