import { type ReactElement, useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { PageLoader } from "../../components/Spinner";
import { type AppError, RequestError, toAppError } from "../../lib/errors";
import { formatDateTime, formatRelative } from "../../lib/format";
import { linkify } from "../../lib/linkify";
import { withRequestId } from "../../lib/request-id";

const devFetch = withRequestId();

interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: string;
}

async function fetchOutbox(to: string): Promise<Mail[]> {
  const q = to.trim() ? `?to=${encodeURIComponent(to.trim())}` : "";
  const res = await devFetch(`/api/dev/outbox${q}`, { headers: { Accept: "application/json" } });
  if (res.status === 404)
    throw new RequestError(
      "OUTBOX_OFF",
      "The auth server has no dev outbox (production, or a real mail transport is configured).",
      404,
    );
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw RequestError.from(body ?? {}, res.status);
  return body as Mail[];
}

/** Links to this app open in-app; anything else opens normally. */
function MailLink({ href }: { href: string }): ReactElement {
  const url = new URL(href);
  if (url.origin === window.location.origin) return <Link to={url.pathname + url.search}>{href}</Link>;
  return <a href={href}>{href}</a>;
}

function MailCard({ mail }: { mail: Mail }): ReactElement {
  return (
    <article className="card mail" aria-label={mail.subject}>
      <div className="row-between">
        <h2 style={{ margin: 0 }}>{mail.subject}</h2>
        <span className="muted small" title={formatDateTime(mail.createdAt)}>
          {formatRelative(mail.createdAt)}
        </span>
      </div>
      <p className="muted small break" style={{ margin: 0 }}>
        To: {mail.to}
      </p>
      <pre className="mail-text">
        {linkify(mail.text).map((p, i) =>
          // biome-ignore lint/suspicious/noArrayIndexKey: parts are static for a given mail
          p.kind === "link" ? <MailLink key={i} href={p.href} /> : <span key={i}>{p.text}</span>,
        )}
      </pre>
    </article>
  );
}

/** Development only: the mails the auth server would have sent, newest first. */
export function MailboxPage(): ReactElement {
  // The recipient filter lives in the URL (/dev/mailbox?to=…), so a filtered view can be linked.
  const [params, setParams] = useSearchParams();
  const filter = params.get("to") ?? "";
  const [to, setTo] = useState(filter);
  const [mails, setMails] = useState<Mail[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setMails(await fetchOutbox(filter));
    } catch (err) {
      setError(toAppError(err));
    } finally {
      setLoading(false);
    }
  }, [filter]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Dev mailbox</h1>
          <p className="muted">Mail the auth server kept instead of sending. Only outside production.</p>
        </div>
        <Button variant="secondary" size="sm" loading={loading} onClick={() => void load()}>
          Refresh
        </Button>
      </div>
      <search>
        <form
          className="search-bar"
          onSubmit={(e) => {
            e.preventDefault();
            setParams(to.trim() ? { to: to.trim() } : {});
          }}
        >
          <TextField
            label="Recipient"
            type="search"
            placeholder="name@example.com"
            maxLength={254}
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
          <Button type="submit">Filter</Button>
        </form>
      </search>
      <div className="stack">
        <ErrorAlert error={error} />
        {mails === null && !error ? (
          <PageLoader label="Loading mail…" />
        ) : mails && mails.length === 0 ? (
          <Alert tone="info">
            No mail yet{filter ? ` for ${filter}` : ""}. Sign up and the verification mail appears here.
          </Alert>
        ) : (
          mails?.map((m) => <MailCard key={`${m.createdAt}-${m.to}-${m.subject}`} mail={m} />)
        )}
      </div>
    </div>
  );
}
