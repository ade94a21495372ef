import type { ReactElement } from "react";
import { Link } from "react-router";
import { Icon } from "../components/Icon";

export function NotFoundPage(): ReactElement {
  return (
    <div className="page page-narrow">
      <div className="card empty">
        <div className="empty-icon">
          <Icon name="search" size={36} />
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
