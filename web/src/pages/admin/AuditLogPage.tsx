import { type ReactElement, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { Checkbox, SelectField, TextField } from "../../components/Field";
import { PageLoader } from "../../components/Spinner";
import { describeDevice, deviceLabel } from "../../lib/device";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useAction } from "../../lib/use-action";
import { AdminNav } from "./AdminNav";
import type { AdminUser } from "./admin-api";
import {
  type AuthEvent,
  describeEvent,
  downloadCsv,
  EVENT_NAMES,
  listEvents,
  paramsFromQuery,
  queryFromParams,
  usersForEvents,
} from "./audit-log";

const PAGE_SIZE = 20;

type Users = Map<string, AdminUser>;

/** An email that wraps at its "@" and dots, never mid-word. */
export function Email({ value }: { value: string }): ReactElement {
  const parts = value.split(/(?=[@.])/);
  return (
    <span className="email">
      {parts.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one string, in order
        <span key={i}>
          {i > 0 && <wbr />}
          {p}
        </span>
      ))}
    </span>
  );
}

function Who({ id, users }: { id: string; users: Users }): ReactElement {
  const u = users.get(id);
  return (
    <Link to={`/admin/events?${paramsFromQuery({ userId: id })}`} title={`Only events for ${u?.email ?? id}`}>
      {u ? (
        <>
          <span>{u.name || u.email}</span>
          {u.name && (
            <span className="muted small event-email">
              <Email value={u.email} />
            </span>
          )}
        </>
      ) : (
        <span className="mono small break">{id}</span>
      )}
    </Link>
  );
}

export function EventRow({ e, users }: { e: AuthEvent; users: Users }): ReactElement {
  const device = e.user_agent ? deviceLabel(describeDevice(e.user_agent), e.user_agent) : null;
  const nameOf = (id: string): string => {
    const u = users.get(id);
    return u ? u.name || u.email : "a deleted user";
  };
  return (
    <tr className={e.success ? undefined : "event-failed"}>
      <td>
        <div className="event-name">
          {/* Only failures are marked: a badge on every row would say nothing. */}
          {!e.success && <span className="badge badge-danger">Failed</span>}
          <span>{describeEvent(e, nameOf)}</span>
        </div>
      </td>
      {/* Empty cells say "—" in the table and disappear from a phone's row card. */}
      <td className={e.user_id ? undefined : "cell-empty"}>
        {e.user_id ? <Who id={e.user_id} users={users} /> : <span className="muted">—</span>}
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
  const [draft, setDraft] = useState({ q: q.q, type: q.type, from: q.from, to: q.to, failures: q.failures });
  const [result, setResult] = useState<{ events: AuthEvent[]; total: number; users: Users } | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(true);

  // A new address (a link, Back) brings its own filters into the form.
  useEffect(
    () => setDraft({ q: q.q, type: q.type, from: q.from, to: q.to, failures: q.failures }),
    [q.q, q.type, q.from, q.to, q.failures],
  );
  const exporting = useAction(() => downloadCsv(q));

  // The address is the query: one load per distinct address.
  const address = params.toString();
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    const query = queryFromParams(new URLSearchParams(address), PAGE_SIZE);
    listEvents(query)
      .then(async ({ events, total }) => {
        // Names make the log readable; without them (a failed lookup) it still works with ids.
        const subject = query.userId ? [{ user_id: query.userId, actor_id: null } as AuthEvent] : [];
        const users = await usersForEvents([...events, ...subject]).catch(() => new Map() as Users);
        if (live) setResult({ events, total, users });
      })
      .catch((e: unknown) => live && setError(toAppError(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [address]);

  const go = (next: Partial<typeof q>): void => setParams(paramsFromQuery({ ...q, ...next }));

  const total = result?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const subject = q.userId ? result?.users.get(q.userId) : undefined;
  const filtered = Boolean(q.userId || q.type || q.q || q.from || q.to || q.failures);
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
            go({ ...draft, q: draft.q.trim().slice(0, 200), page: 0 });
          }}
        >
          <TextField
            label="Email or name"
            type="search"
            maxLength={200}
            autoComplete="off"
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
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
          <TextField
            label="From"
            type="date"
            className="field-narrow"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
          <TextField
            label="To"
            type="date"
            className="field-narrow"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          />
          <Checkbox
            label="Failures only"
            checked={draft.failures}
            onChange={(e) => setDraft({ ...draft, failures: e.target.checked })}
          />
          <Button type="submit">Filter</Button>
          {filtered && (
            <Button
              variant="ghost"
              onClick={() => go({ userId: "", type: "", q: "", from: "", to: "", failures: false, page: 0 })}
            >
              Clear
            </Button>
          )}
        </form>
      </search>
      <div className="row-between" style={{ marginBottom: "0.75rem" }}>
        <span />
        <Button variant="secondary" size="sm" loading={exporting.pending} onClick={() => void exporting.run()}>
          Export CSV
        </Button>
      </div>
      <ErrorAlert error={exporting.error} />
      {q.userId && (
        <p className="muted break">
          Events for <strong>{subject ? `${subject.name || subject.email} (${subject.email})` : q.userId}</strong>
          {subject && (
            <>
              {" · "}
              <Link to={`/admin/users/${encodeURIComponent(q.userId)}`}>Manage user</Link>
              {" · "}
              <Link to={`/admin/events?${paramsFromQuery({ ...q, userId: "", page: 0 })}`}>Everyone</Link>
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
                <th scope="col">What happened</th>
                <th scope="col">User</th>
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
