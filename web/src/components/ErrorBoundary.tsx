import { Component, type ErrorInfo, type ReactElement, type ReactNode } from "react";
import { isRouteErrorResponse, useRouteError } from "react-router";

function Fallback({ title, detail }: { title: string; detail: string }): ReactElement {
  return (
    <main className="auth-shell" id="main">
      <div className="card auth-card stack" role="alert">
        <h1>{title}</h1>
        <p className="muted">{detail}</p>
        <div className="row">
          <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
            Reload the page
          </button>
          <a className="btn btn-secondary" href="/">
            Go to the start page
          </a>
        </div>
      </div>
    </main>
  );
}

/** Last line of defence: a render error anywhere shows a way out instead of a blank screen. */
export class AppErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error("render error", error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error)
      return (
        <Fallback title="Something went wrong" detail="The page hit an unexpected error. Reloading usually helps." />
      );
    return this.props.children;
  }
}

/** Router-level errors (a thrown loader/render error inside a route). */
export function RouteError(): ReactElement {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return <Fallback title="Page not found" detail="There is nothing at this address." />;
  }
  console.error("route error", error);
  return <Fallback title="Something went wrong" detail="The page hit an unexpected error. Reloading usually helps." />;
}
