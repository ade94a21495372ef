import { type ReactElement, useEffect, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { authClient } from "../../lib/auth-client";
import { type AppError, toAppError, unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";

/** The auth server's view of a user's second factors (GET /api/auth/admin/second-factor). */
interface SecondFactorStatus {
  totpEnabled: boolean;
  backupCodesLeft: number;
  passkeys: number;
}

/**
 * Whether the user has two-step verification, and the recovery path's last step: an admin reset
 * removes their authenticator app, backup codes and passkeys (audited; the user is mailed).
 */
export function SecondFactorCard({ userId, onChanged }: { userId: string; onChanged: () => void }): ReactElement {
  const [status, setStatus] = useState<SecondFactorStatus | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState(false);
  useEffect(() => {
    let live = true;
    authClient
      .$fetch<SecondFactorStatus>("/admin/second-factor", { method: "GET", query: { userId } })
      .then((res) => live && setStatus(unwrap(res)))
      .catch((e: unknown) => live && setError(toAppError(e)));
    return () => {
      live = false;
    };
  }, [userId]);
  const reset = useAction(async () => {
    const res = await authClient.$fetch<SecondFactorStatus>("/admin/reset-second-factor", {
      method: "POST",
      body: { userId },
    });
    setStatus(unwrap(res));
    setConfirming(false);
    setDone(true);
    onChanged();
  });
  const any = status && (status.totpEnabled || status.passkeys > 0);
  return (
    <section className="card" aria-labelledby="second-factor-h">
      <div className="card-header">
        <h2 id="second-factor-h">Two-step verification</h2>
      </div>
      <div className="stack">
        <ErrorAlert error={error ?? reset.error} />
        {done && <Alert tone="success">Second factors removed. The user was told by email.</Alert>}
        {status && (
          <p data-testid="second-factor-status">
            {status.totpEnabled
              ? `Authenticator app on (${status.backupCodesLeft} backup codes left).`
              : "No authenticator app."}{" "}
            {status.passkeys === 1 ? "1 passkey." : `${status.passkeys} passkeys.`}
          </p>
        )}
        {any && (
          <div>
            <Button variant="danger" onClick={() => setConfirming(true)}>
              Reset two-step verification
            </Button>
          </div>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        title="Reset two-step verification?"
        confirmLabel="Reset"
        busy={reset.pending}
        onConfirm={() => void reset.run()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          This removes the user's authenticator app, backup codes and passkeys, so their password alone signs them in
          until they set it up again. Do this only after confirming who is asking.
        </p>
      </ConfirmDialog>
    </section>
  );
}
