import type { ReactElement } from "react";
import { Outlet } from "react-router";
import { Brand } from "./Brand";

/** Signed-out pages: a centred card under the brand. */
export function AuthLayout(): ReactElement {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <main className="auth-shell" id="main">
        <Brand />
        <Outlet />
      </main>
    </>
  );
}
