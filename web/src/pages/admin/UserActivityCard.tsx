import { type ReactElement, useEffect, useState } from "react";
import { Link } from "react-router";
import { ErrorAlert } from "../../components/Alert";
import { PageLoader } from "../../components/Spinner";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import type { AdminUser } from "./admin-api";
import { type AuthEvent, describeEvent, listEvents, paramsFromQuery, usersForEvents } from "./audit-log";

const RECENT = 10;

/** The user's own timeline on their page: the last events about them, as sentences. */
export function UserActivityCard({ userId, version }: { userId: string; version: number }): ReactElement {
  const [events, setEvents] = useState<{ list: AuthEvent[]; users: Map<string, AdminUser> } | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the reload trigger
  useEffect(() => {
    let live = true;
    listEvents({ userId, type: "", q: "", from: "", to: "", failures: false, page: 0, pageSize: RECENT })
      .then(async ({ events: list }) => {
        const users = await usersForEvents(list).catch(() => new Map<string, AdminUser>());
        if (live) setEvents({ list, users });
      })
      .catch((e: unknown) => live && setError(toAppError(e)));
    return () => {
      live = false;
    };
  }, [userId, version]);

  const nameOf = (id: string): string => {
    const u = events?.users.get(id);
    return u ? u.name || u.email : "a deleted user";
  };
  return (
    <section className="card" aria-labelledby="activity-h">
      <div className="card-header row-between">
        <h2 id="activity-h">Recent activity</h2>
        <Link to={`/admin/events?${paramsFromQuery({ userId })}`}>Full audit log</Link>
      </div>
      <ErrorAlert error={error} />
      {!events && !error ? (
        <PageLoader label="Loading activity…" />
      ) : events && events.list.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <ol className="timeline">
          {events?.list.map((e) => (
            <li key={e.id} className={e.success ? undefined : "event-failed"}>
              <span>
                {!e.success && <span className="badge badge-danger">Failed</span>} {describeEvent(e, nameOf)}
              </span>
              <time className="muted small" dateTime={e.created_at}>
                {formatDateTime(e.created_at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
