import type { ReactElement } from "react";
import { Link } from "react-router";

export function NotFoundPage(): ReactElement {
  return (
    <div className="page page-narrow">
      <div className="card empty">
        <div className="empty-icon" aria-hidden="true">
          ?
        </div>
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <Link className="btn btn-primary" to="/">
          Go to the start page
        </Link>
      </div>
    </div>
  );
}
