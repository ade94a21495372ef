import type { ReactElement } from "react";

export function Spinner(): ReactElement {
  return <span className="spinner" aria-hidden="true" />;
}

/** Full-area loading state with a text alternative. */
export function PageLoader({ label = "Loading…" }: { label?: string }): ReactElement {
  return (
    <div className="empty" role="status" aria-live="polite">
      <div className="row" style={{ justifyContent: "center" }}>
        <Spinner />
        <span>{label}</span>
      </div>
    </div>
  );
}
