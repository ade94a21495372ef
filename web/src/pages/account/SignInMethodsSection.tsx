import { type ReactElement, useCallback, useEffect, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { Icon } from "../../components/Icon";
import { PageLoader } from "../../components/Spinner";
import { signOutOfApp } from "../../lib/auth-client";
import { tokens } from "../../lib/backend";
import { type AppError, toAppError, unwrap } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import {
  type LinkedAccount,
  linkProvider,
  listLinkedAccounts,
  methodName,
  unlinkAccount,
  useProviders,
} from "../../lib/oauth";
import { oauthRedirectError } from "../../lib/oauth-errors";
import { markExit } from "../../lib/session-events";
import { useAction } from "../../lib/use-action";

type Notice = { tone: "success"; linked: string } | { tone: "success" | "error"; text: string };

/**
 * How this person can sign in: the password and every linked provider, with "Link" for enabled
 * providers not linked yet and "Unlink" for any method but the last one (the server refuses that
 * too). A link flow comes back here as `?linked=<id>` or `?error=<CODE>`.
 */
export function SignInMethodsSection(): ReactElement {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const { providers } = useProviders();
  const [accounts, setAccounts] = useState<LinkedAccount[] | null>(null);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      setAccounts(await listLinkedAccounts());
    } catch (err) {
      setLoadError(toAppError(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  // The outcome of a link flow is read once, then dropped from the address so a reload does not repeat it.
  useEffect(() => {
    const linked = params.get("linked");
    const failed = oauthRedirectError(params.get("error"));
    if (!linked && !failed) return;
    setNotice(failed ? { tone: "error", text: failed.message } : { tone: "success", linked: linked as string });
    const rest = new URLSearchParams(params);
    rest.delete("linked");
    rest.delete("error");
    setParams(rest, { replace: true });
  }, [params, setParams]);

  const link = useAction(async (providerId: string) => {
    setNotice(null);
    unlink.setError(null);
    setBusyId(providerId);
    await linkProvider(providerId); // on success the browser leaves for the provider
  });
  const unlink = useAction(async (account: LinkedAccount) => {
    setNotice(null);
    link.setError(null);
    setBusyId(account.id);
    try {
      await unlinkAccount(account.id);
      setNotice({ tone: "success", text: `${methodName(account.providerId, providers ?? [])} unlinked.` });
    } finally {
      setBusyId(null);
      await load(); // refused or not, show what the server holds now
    }
  });
  const reauth = useAction(async () => {
    markExit("reauth");
    unwrap(await signOutOfApp());
    tokens.invalidate();
    navigate(`/sign-in?next=${encodeURIComponent("/account")}&reason=reauth`, { replace: true });
  });

  const known = providers ?? [];
  const name = (id: string): string => methodName(id, known);
  const linkable = known.filter((p) => !accounts?.some((a) => a.providerId === p.id));
  const onlyOne = (accounts?.length ?? 0) <= 1;
  // A link that worked leaves the page: keep its button spinning until then.
  const linking = (id: string): boolean => busyId === id && (link.pending || (!link.error && !unlink.pending));
  const error = unlink.error ?? link.error;

  return (
    <section className="card" aria-labelledby="methods-h">
      <div className="card-header">
        <h2 id="methods-h">Sign-in methods</h2>
        <p className="muted">The ways you can sign in to this account.</p>
      </div>
      <div className="stack">
        {notice && (
          <Alert tone={notice.tone}>{"linked" in notice ? `${name(notice.linked)} is now linked.` : notice.text}</Alert>
        )}
        <ErrorAlert error={error}>
          {error?.code === "SESSION_NOT_FRESH" && (
            <Button variant="secondary" size="sm" loading={reauth.pending} onClick={() => void reauth.run()}>
              Sign in again
            </Button>
          )}
        </ErrorAlert>
        {loadError ? (
          <ErrorAlert error={loadError}>
            <Button variant="secondary" size="sm" onClick={() => void load()}>
              Try again
            </Button>
          </ErrorAlert>
        ) : !accounts ? (
          <PageLoader label="Loading sign-in methods…" />
        ) : (
          <>
            <ul className="method-list">
              {accounts.map((a) => (
                <li key={a.id} className="method">
                  <div className="method-text">
                    <strong>{name(a.providerId)}</strong>
                    <span className="muted small">since {formatDateTime(a.createdAt)}</span>
                  </div>
                  {!(onlyOne && linkable.length === 0) && (
                    <Button
                      variant="secondary"
                      size="sm"
                      loading={unlink.pending && busyId === a.id}
                      disabled={onlyOne || unlink.pending}
                      aria-describedby={onlyOne ? "methods-last" : undefined}
                      aria-label={`Unlink ${name(a.providerId)}`}
                      onClick={() => void unlink.run(a)}
                    >
                      Unlink
                    </Button>
                  )}
                </li>
              ))}
            </ul>
            {onlyOne && linkable.length > 0 && (
              <p id="methods-last" className="muted small">
                Your only way to sign in can't be removed. Link another one first.
              </p>
            )}
            {/* Nothing to link and nothing to unlink: say what the person can do instead. */}
            {onlyOne && linkable.length === 0 && (
              <p className="muted small">
                {accounts[0]?.providerId === "credential" ? (
                  <>
                    You sign in with your email and password; no other sign-in methods are set up here. You can{" "}
                    <a href="#password-h">change your password</a> below.
                  </>
                ) : (
                  <>
                    You sign in with {name(accounts[0]?.providerId ?? "")}. To add a password, use “Forgot your
                    password?” on the sign-in page.
                  </>
                )}
              </p>
            )}
            {linkable.length > 0 && (
              <div className="row">
                {linkable.map((p) => (
                  <Button
                    key={p.id}
                    variant="secondary"
                    loading={linking(p.id)}
                    disabled={busyId !== null && linking(busyId)}
                    onClick={() => void link.run(p.id)}
                  >
                    <Icon name="link" />
                    Link {p.name}
                  </Button>
                ))}
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}
