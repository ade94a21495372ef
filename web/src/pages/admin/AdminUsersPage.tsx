import { type ReactElement, useEffect, useState } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Avatar } from "../../components/Avatar";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/Field";
import { PageLoader } from "../../components/Spinner";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { AddUserDialog } from "./AddUserDialog";
import { AdminNav } from "./AdminNav";
import { type AdminUser, isBanActive, listUsers, type SearchField } from "./admin-api";
import { paramsFromQuery } from "./audit-log";

const PAGE_SIZE = 10;

function StatusBadges({ u }: { u: AdminUser }): ReactElement {
  return (
    <span className="row" style={{ gap: "0.3rem" }}>
      {isBanActive(u) ? <span className="badge badge-danger">Banned</span> : null}
      {u.emailVerified ? (
        <span className="badge badge-success">Verified</span>
      ) : (
        <span className="badge badge-warning">Unverified</span>
      )}
    </span>
  );
}

export function AdminUsersPage(): ReactElement {
  // The query lives in the URL: back/forward and shared links keep the search and page.
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const field: SearchField = params.get("field") === "name" ? "name" : "email";
  const page = Math.max(0, Number.parseInt(params.get("page") ?? "0", 10) || 0);

  const [draft, setDraft] = useState({ search, field });
  const [result, setResult] = useState<{ users: AdminUser[]; total: number } | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(true);
  const [adding, setAdding] = useState(false);
  const navigate = useNavigate();
  // What the last action here (or a delete on a user's page) did, said once.
  const notice = (useLocation().state as { notice?: string } | null)?.notice;

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    listUsers({ search, field, page, pageSize: PAGE_SIZE })
      .then(
        (r) => live && setResult(r),
        (e: unknown) => live && setError(toAppError(e)),
      )
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [search, field, page]);

  const go = (next: { q?: string; field?: SearchField; page?: number }): void => {
    const p = new URLSearchParams();
    const q = next.q ?? search;
    if (q) p.set("q", q);
    if ((next.field ?? field) !== "email") p.set("field", next.field ?? field);
    if ((next.page ?? page) > 0) p.set("page", String(next.page ?? page));
    setParams(p);
  };

  const total = result?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Users</h1>
          <p className="muted">Roles, bans, sessions and impersonation.</p>
        </div>
        <Button onClick={() => setAdding(true)}>Add user…</Button>
      </div>
      <AdminNav />
      {notice && (
        <div style={{ marginBottom: "1rem" }}>
          <Alert tone="success">{notice}</Alert>
        </div>
      )}
      <AddUserDialog
        open={adding}
        onClose={() => setAdding(false)}
        onCreated={(u, invited) => {
          setAdding(false);
          navigate(`/admin/users/${encodeURIComponent(u.id)}`, {
            state: {
              notice: invited ? `${u.email} was added and an invitation is on its way.` : `${u.email} was added.`,
            },
          });
        }}
      />
      <search>
        <form
          className="search-bar"
          onSubmit={(e) => {
            e.preventDefault();
            go({ q: draft.search.trim().slice(0, 200), field: draft.field, page: 0 });
          }}
        >
          <TextField
            label="Search users"
            type="search"
            maxLength={200}
            value={draft.search}
            onChange={(e) => setDraft({ ...draft, search: e.target.value })}
          />
          <SelectField
            label="Search in"
            className="field-narrow"
            value={draft.field}
            onChange={(e) => setDraft({ ...draft, field: e.target.value as SearchField })}
          >
            <option value="email">Email</option>
            <option value="name">Name</option>
          </SelectField>
          <Button type="submit">Search</Button>
        </form>
      </search>
      <ErrorAlert error={error} />
      {loading && !result ? (
        <PageLoader label="Loading users…" />
      ) : result && result.users.length === 0 ? (
        <div className="card empty">
          <p>{search ? `No users match “${search}”.` : "No users yet."}</p>
        </div>
      ) : result ? (
        <div className="table-wrap" aria-busy={loading || undefined}>
          <table className="table table-stack">
            <caption className="visually-hidden">Users, newest first</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {result.users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <div className="row" style={{ flexWrap: "nowrap" }}>
                      <Avatar name={u.name || u.email} image={u.image} />
                      <div style={{ minWidth: 0 }}>
                        <div style={{ fontWeight: 600 }}>{u.name}</div>
                        <div className="muted small">{u.email}</div>
                      </div>
                    </div>
                  </td>
                  <td>
                    <span className={`badge ${u.role === "admin" ? "badge-primary" : ""}`}>{u.role ?? "user"}</span>
                  </td>
                  <td>
                    <StatusBadges u={u} />
                  </td>
                  <td className="small" data-label="Joined" style={{ whiteSpace: "nowrap" }}>
                    {formatDateTime(u.createdAt)}
                  </td>
                  <td>
                    <div className="row row-nowrap">
                      <Link
                        className="btn btn-ghost btn-sm"
                        to={`/admin/events?${paramsFromQuery({ userId: u.id, type: "", page: 0 })}`}
                        aria-label={`Events for ${u.email}`}
                      >
                        Events
                      </Link>
                      <Link
                        className="btn btn-secondary btn-sm"
                        to={`/admin/users/${encodeURIComponent(u.id)}`}
                        aria-label={`Manage ${u.email}`}
                      >
                        Manage
                      </Link>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {result && total > 0 && (
        <nav className="pager" aria-label="Pages">
          <span className="muted">
            {page * PAGE_SIZE + 1}–{Math.min(total, (page + 1) * PAGE_SIZE)} of {total} · page {page + 1} of {pages}
          </span>
          <div className="row">
            <Button variant="secondary" size="sm" disabled={page === 0} onClick={() => go({ page: page - 1 })}>
              Previous
            </Button>
            <Button variant="secondary" size="sm" disabled={page >= pages - 1} onClick={() => go({ page: page + 1 })}>
              Next
            </Button>
          </div>
        </nav>
      )}
    </div>
  );
}
