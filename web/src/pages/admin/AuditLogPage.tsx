import { type ReactElement, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/Field";
import { PageLoader } from "../../components/Spinner";
import { describeDevice, deviceLabel } from "../../lib/device";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { AdminNav } from "./AdminNav";
import type { AdminUser } from "./admin-api";
import {
  type AuthEvent,
  EVENT_NAMES,
  eventName,
  listEvents,
  paramsFromQuery,
  queryFromParams,
  usersForEvents,
} from "./audit-log";

const PAGE_SIZE = 20;

type Users = Map<string, AdminUser>;

function Who({ id, users }: { id: string; users: Users }): ReactElement {
  const u = users.get(id);
  const label = u ? u.email : id;
  return (
    <Link to={`/admin/events?${paramsFromQuery({ userId: id, type: "", page: 0 })}`} title={`Only events for ${label}`}>
      {u ? (
        <>
          <span className="break">{u.name || u.email}</span>
          {u.name && <span className="muted small break event-email">{u.email}</span>}
        </>
      ) : (
        <span className="mono small break">{id}</span>
      )}
    </Link>
  );
}

function EventRow({ e, users }: { e: AuthEvent; users: Users }): ReactElement {
  const actor = e.actor_id && e.actor_id !== e.user_id ? (users.get(e.actor_id)?.email ?? e.actor_id) : null;
  const device = e.user_agent ? deviceLabel(describeDevice(e.user_agent), e.user_agent) : null;
  return (
    <tr>
      <td>
        <div className="event-name">
          <strong>{eventName(e.type)}</strong>
          {e.success ? (
            <span className="badge badge-success">Succeeded</span>
          ) : (
            <span className="badge badge-danger">Failed</span>
          )}
        </div>
      </td>
      {/* Empty cells say "—" in the table and disappear from a phone's row card. */}
      <td className={e.user_id ? undefined : "cell-empty"}>
        {e.user_id ? <Who id={e.user_id} users={users} /> : <span className="muted">—</span>}
      </td>
      <td className={`small${e.reason || actor ? "" : " cell-empty"}`}>
        {e.reason && <code className="break">{e.reason}</code>}
        {actor && <div className="muted break">by {actor}</div>}
        {!e.reason && !actor && <span className="muted">—</span>}
      </td>
      <td className="small">
        <div>{e.ip ?? "—"}</div>
        {device && <div className="muted">{device}</div>}
      </td>
      <td className="small" style={{ whiteSpace: "nowrap" }}>
        <time dateTime={e.created_at}>{formatDateTime(e.created_at)}</time>
      </td>
    </tr>
  );
}

/**
 * The audit log: every auth event either service wrote, newest first, filtered by user and type.
 * Filters and page live in the address (`?user=&type=&page=`), so links and Back keep them.
 */
export function AuditLogPage(): ReactElement {
  const [params, setParams] = useSearchParams();
  const q = queryFromParams(params, PAGE_SIZE);
  const [draft, setDraft] = useState({ userId: q.userId, type: q.type });
  const [result, setResult] = useState<{ events: AuthEvent[]; total: number; users: Users } | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(true);

  // A new address (a link, Back) brings its own filters into the form.
  useEffect(() => setDraft({ userId: q.userId, type: q.type }), [q.userId, q.type]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    const query = { userId: q.userId, type: q.type, page: q.page, pageSize: PAGE_SIZE };
    listEvents(query)
      .then(async ({ events, total }) => {
        // Names make the log readable; without them (a failed lookup) it still works with ids.
        const subject = q.userId ? [{ user_id: q.userId, actor_id: null } as AuthEvent] : [];
        const users = await usersForEvents([...events, ...subject]).catch(() => new Map() as Users);
        if (live) setResult({ events, total, users });
      })
      .catch((e: unknown) => live && setError(toAppError(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [q.userId, q.type, q.page]);

  const go = (next: Partial<Pick<typeof q, "userId" | "type" | "page">>): void =>
    setParams(paramsFromQuery({ ...q, ...next }));

  const total = result?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const subject = q.userId ? result?.users.get(q.userId) : undefined;
  const filtered = Boolean(q.userId || q.type);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Audit log</h1>
          <p className="muted">Sign-ins, sign-ups, password and session changes, roles and bans, from both services.</p>
        </div>
      </div>
      <AdminNav />
      <search>
        <form
          className="search-bar"
          onSubmit={(e) => {
            e.preventDefault();
            go({ userId: draft.userId.trim().slice(0, 128), type: draft.type, page: 0 });
          }}
        >
          <TextField
            label="User ID"
            maxLength={128}
            spellCheck={false}
            autoComplete="off"
            value={draft.userId}
            onChange={(e) => setDraft({ ...draft, userId: e.target.value })}
          />
          <SelectField
            label="Event"
            className="field-medium"
            value={draft.type}
            onChange={(e) => setDraft({ ...draft, type: e.target.value })}
          >
            <option value="">All events</option>
            {Object.entries(EVENT_NAMES).map(([type, name]) => (
              <option key={type} value={type}>
                {name}
              </option>
            ))}
          </SelectField>
          <Button type="submit">Filter</Button>
          {filtered && (
            <Button variant="ghost" onClick={() => go({ userId: "", type: "", page: 0 })}>
              Clear
            </Button>
          )}
        </form>
      </search>
      {q.userId && (
        <p className="muted break">
          Events for <strong>{subject ? `${subject.name || subject.email} (${subject.email})` : q.userId}</strong>
          {subject && (
            <>
              {" · "}
              <Link to={`/admin/users/${encodeURIComponent(q.userId)}`}>Manage user</Link>
            </>
          )}
        </p>
      )}
      <ErrorAlert error={error} />
      {loading && !result ? (
        <PageLoader label="Loading events…" />
      ) : result && result.events.length === 0 ? (
        <div className="card empty">
          <p>{filtered ? "No events match these filters." : "No events yet."}</p>
        </div>
      ) : result ? (
        <div className="table-wrap" aria-busy={loading || undefined}>
          <table className="table table-stack">
            <caption className="visually-hidden">Auth events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">User</th>
                <th scope="col">Details</th>
                <th scope="col">From</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {result.events.map((e) => (
                <EventRow key={e.id} e={e} users={result.users} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {result && total > 0 && (
        <nav className="pager" aria-label="Pages">
          <span className="muted">
            {q.page * PAGE_SIZE + 1}–{Math.min(total, (q.page + 1) * PAGE_SIZE)} of {total} · page {q.page + 1} of{" "}
            {pages}
          </span>
          <div className="row">
            <Button variant="secondary" size="sm" disabled={q.page === 0} onClick={() => go({ page: q.page - 1 })}>
              Previous
            </Button>
            <Button
              variant="secondary"
              size="sm"
              disabled={q.page >= pages - 1}
              onClick={() => go({ page: q.page + 1 })}
            >
              Next
            </Button>
          </div>
        </nav>
      )}
    </div>
  );
}
