import { type ReactElement, useCallback, useEffect, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Avatar } from "../../components/Avatar";
import { Button } from "../../components/Button";
import { PageLoader } from "../../components/Spinner";
import { authClient } from "../../lib/auth-client";
import { tokens } from "../../lib/backend";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useAction } from "../../lib/use-action";
import { AccountCard } from "./AccountCard";
import { type AdminUser, getUser, impersonate, isBanActive } from "./admin-api";
import { paramsFromQuery } from "./audit-log";
import { BanCard } from "./BanCard";
import { RoleCard } from "./RoleCard";
import { SecondFactorCard } from "./SecondFactorCard";
import { UserActivityCard } from "./UserActivityCard";
import { UserSessionsCard } from "./UserSessionsCard";

export function AdminUserPage(): ReactElement {
  const { userId = "" } = useParams();
  const navigate = useNavigate();
  const { data: me } = authClient.useSession();
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  const [user, setUser] = useState<AdminUser | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [version, setVersion] = useState(0);

  const load = useCallback(async () => {
    setError(null);
    try {
      setUser(await getUser(userId));
    } catch (err) {
      setError(toAppError(err));
    }
  }, [userId]);
  useEffect(() => {
    void load();
  }, [load]);

  const changed = (): void => {
    setVersion((v) => v + 1);
    void load();
  };

  const imp = useAction(async () => {
    await impersonate(userId);
    tokens.invalidate();
    navigate("/tasks");
  });

  const isSelf = me?.user.id === userId;
  const isTargetAdmin = user?.role === "admin";
  return (
    <div className="page">
      <p className="row-between">
        <Link to="/admin">← All users</Link>
        <Link to={`/admin/events?${paramsFromQuery({ userId })}`}>Audit log for this user</Link>
      </p>
      {error && !user ? (
        <ErrorAlert error={error}>
          <Button variant="secondary" size="sm" onClick={() => void load()}>
            Try again
          </Button>
        </ErrorAlert>
      ) : !user ? (
        <PageLoader label="Loading user…" />
      ) : (
        <>
          <div className="page-header">
            <div className="row" style={{ gap: "1rem", flexWrap: "nowrap", minWidth: 0 }}>
              <Avatar name={user.name || user.email} image={user.image} large />
              <div style={{ minWidth: 0 }}>
                <h1 className="break">{user.name || user.email}</h1>
                <p className="muted break">{user.email}</p>
              </div>
            </div>
            <Button
              variant="secondary"
              loading={imp.pending}
              disabled={isSelf || isTargetAdmin || isBanActive(user)}
              title={isTargetAdmin ? "Admins cannot be impersonated" : undefined}
              onClick={() => void imp.run()}
            >
              Impersonate
            </Button>
          </div>
          <div className="stack">
            {notice && <Alert tone="success">{notice}</Alert>}
            <ErrorAlert error={imp.error ?? error} />
            <div className="grid-2">
              <section className="card" aria-labelledby="details-h">
                <h2 id="details-h">Details</h2>
                <dl className="kv">
                  <dt>User id</dt>
                  <dd className="mono small">{user.id}</dd>
                  <dt>Email</dt>
                  <dd>
                    {user.emailVerified ? (
                      <span className="badge badge-success">Verified</span>
                    ) : (
                      <span className="badge badge-warning">Unverified</span>
                    )}
                  </dd>
                  <dt>Joined</dt>
                  <dd>{formatDateTime(user.createdAt)}</dd>
                  <dt>Role</dt>
                  <dd>{user.role ?? "user"}</dd>
                </dl>
              </section>
              <RoleCard key={`role-${user.id}`} user={user} isSelf={isSelf} onChanged={changed} />
              <BanCard user={user} isSelf={isSelf} onChanged={changed} />
              <SecondFactorCard userId={user.id} onChanged={changed} />
              <UserSessionsCard userId={user.id} email={user.email} version={version} />
              <AccountCard user={user} isSelf={isSelf} onChanged={changed} />
              <UserActivityCard userId={user.id} version={version} />
            </div>
          </div>
        </>
      )}
    </div>
  );
}
