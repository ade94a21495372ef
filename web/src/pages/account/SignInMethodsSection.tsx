import { type ReactElement, useCallback, useEffect, useState } from "react";
import type { components } from "../../api/schema.gen";
import { ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { PageLoader } from "../../components/Spinner";
import { backend, ok } from "../../lib/backend";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";

type Account = components["schemas"]["AccountPublic"];

const PROVIDERS: Record<string, string> = { credential: "Email and password", google: "Google", github: "GitHub" };

/** How this person can sign in, as the backend sees it (GET /api/v1/auth/accounts with the JWT). */
export function SignInMethodsSection(): ReactElement {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      setAccounts(ok(await backend.GET("/api/v1/auth/accounts")));
    } catch (err) {
      setError(toAppError(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="card" aria-labelledby="methods-h">
      <div className="card-header">
        <h2 id="methods-h">Sign-in methods</h2>
        <p className="muted">The ways you can sign in to this account.</p>
      </div>
      {error ? (
        <ErrorAlert error={error}>
          <Button variant="secondary" size="sm" onClick={() => void load()}>
            Try again
          </Button>
        </ErrorAlert>
      ) : !accounts ? (
        <PageLoader label="Loading sign-in methods…" />
      ) : (
        <ul className="method-list">
          {accounts.map((a) => (
            <li key={a.id} className="row-between">
              <strong>{PROVIDERS[a.provider_id] ?? a.provider_id}</strong>
              <span className="muted small">since {formatDateTime(a.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
