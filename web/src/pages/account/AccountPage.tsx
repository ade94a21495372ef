import type { ReactElement } from "react";
import { PageLoader } from "../../components/Spinner";
import { authClient } from "../../lib/auth-client";
import { DeleteAccountSection } from "./DeleteAccountSection";
import { EmailSection } from "./EmailSection";
import { PasswordSection } from "./PasswordSection";
import { ProfileSection } from "./ProfileSection";
import { SignInMethodsSection } from "./SignInMethodsSection";

export function AccountPage(): ReactElement {
  const { data } = authClient.useSession();
  if (!data) return <PageLoader />;
  return (
    <div className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Account</h1>
          <p className="muted">Your profile, email address, sign-in methods and password.</p>
        </div>
      </div>
      <div className="stack">
        <ProfileSection key={data.user.id} user={data.user} />
        <EmailSection key={`email-${data.user.id}`} user={data.user} />
        <SignInMethodsSection />
        <PasswordSection />
        <DeleteAccountSection />
      </div>
    </div>
  );
}
