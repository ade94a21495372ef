import type { ReactElement } from "react";
import { Link } from "react-router";
import { PageLoader } from "../../components/Spinner";
import { authClient } from "../../lib/auth-client";
import { PasskeysSection } from "./PasskeysSection";
import { TotpSection } from "./TotpSection";

/**
 * Account security: the authenticator app (TOTP and backup codes) and passkeys. Lost your
 * authenticator? Sign in with a backup code; without one, an administrator can reset your second
 * factors (docs/SECOND-FACTORS.md).
 */
export function SecurityPage(): ReactElement {
  const { data } = authClient.useSession();
  if (!data) return <PageLoader />;
  const enabled = Boolean((data.user as { twoFactorEnabled?: boolean | null }).twoFactorEnabled);
  return (
    <div className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Security</h1>
          <p className="muted">
            Two-step verification and passkeys. Your password is on the <Link to="/account">Account</Link> page.
          </p>
        </div>
      </div>
      <div className="stack">
        <TotpSection enabled={enabled} />
        <PasskeysSection />
        <p className="muted small">
          Lost your authenticator? Sign in with one of your backup codes. Without them, ask an administrator to reset
          your two-step verification; you can then sign in with your password and set it up again.
        </p>
      </div>
    </div>
  );
}
