import { type ReactElement, useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { ErrorCode } from "../contract.gen";
import { authClient } from "../lib/auth-client";
import { unwrap } from "../lib/errors";
import { type StepUpCode, setStepUpPrompt } from "../lib/step-up";
import { useAction } from "../lib/use-action";
import { ErrorAlert } from "./Alert";
import { Button } from "./Button";
import { TextField } from "./Field";

/**
 * Answers the backend's 403 MFA_REQUIRED / REAUTHENTICATION_REQUIRED (lib/step-up.ts): with an
 * authenticator app, a code (or backup code) upgrades this session in place; without one, a fresh
 * sign-in with the password answers REAUTHENTICATION_REQUIRED, and MFA_REQUIRED points to the
 * Security page. The refused request is retried once the dialog resolves true.
 */
export function StepUpDialog(): ReactElement {
  const ref = useRef<HTMLDialogElement>(null);
  const [ask, setAsk] = useState<{ code: StepUpCode; resolve: (ok: boolean) => void } | null>(null);
  const [value, setValue] = useState("");
  const [backup, setBackup] = useState(false);
  const { data } = authClient.useSession();
  const hasTotp = Boolean((data?.user as { twoFactorEnabled?: boolean } | undefined)?.twoFactorEnabled);

  useEffect(() => {
    setStepUpPrompt(
      (code) =>
        new Promise<boolean>((resolve) => {
          setValue("");
          setAsk({ code, resolve });
        }),
    );
    return () => setStepUpPrompt(null);
  }, []);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (ask && !d.open) d.showModal?.();
    if (!ask && d.open) d.close?.();
  }, [ask]);

  const close = (ok: boolean): void => {
    ask?.resolve(ok);
    setAsk(null);
  };
  const submit = useAction(async () => {
    if (hasTotp) {
      if (backup) unwrap(await authClient.twoFactor.verifyBackupCode({ code: value.trim() }));
      else unwrap(await authClient.twoFactor.verifyTotp({ code: value.trim() }));
    } else {
      unwrap(await authClient.signIn.email({ email: data?.user.email ?? "", password: value }));
    }
    close(true);
  });
  const needsSetup = ask?.code === ErrorCode.MFA_REQUIRED && !hasTotp;
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="step-up-h" onCancel={() => close(false)}>
      {ask && (
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit.run();
          }}
        >
          <h2 id="step-up-h">{needsSetup ? "Two-step verification needed" : "Confirm it's you"}</h2>
          {needsSetup ? (
            <p>
              This needs two-step verification.{" "}
              <Link to="/account/security" onClick={() => close(false)}>
                Set it up
              </Link>{" "}
              on the Security page, then try again.
            </p>
          ) : (
            <>
              <ErrorAlert error={submit.error} />
              <TextField
                label={hasTotp ? (backup ? "Backup code" : "Authentication code") : "Password"}
                type={hasTotp ? "text" : "password"}
                inputMode={hasTotp && !backup ? "numeric" : undefined}
                autoComplete={hasTotp ? "one-time-code" : "current-password"}
                autoFocus
                value={value}
                onChange={(e) => setValue(e.target.value)}
              />
              {hasTotp && (
                <Button variant="ghost" size="sm" onClick={() => setBackup(!backup)}>
                  {backup ? "Use the authenticator app" : "Use a backup code"}
                </Button>
              )}
            </>
          )}
          <div className="row">
            {!needsSetup && (
              <Button type="submit" loading={submit.pending} disabled={!value}>
                Continue
              </Button>
            )}
            <Button variant="secondary" onClick={() => close(false)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </dialog>
  );
}
