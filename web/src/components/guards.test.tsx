import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { authClient } from "../lib/auth-client";
import { clearExit, markExit } from "../lib/session-events";
import { RequireAdmin, RequireAuth } from "./guards";

vi.mock("../lib/auth-client", () => ({ authClient: { useSession: vi.fn() } }));
const useSession = vi.mocked(authClient.useSession);

type SessionState = ReturnType<typeof authClient.useSession>;
const state = (data: unknown, extra: Partial<SessionState> = {}): SessionState =>
  ({ data, isPending: false, isRefetching: false, error: null, refetch: vi.fn(), ...extra }) as unknown as SessionState;
const signedIn = (role = "user") =>
  state({ user: { id: "u1", email: "a@b.co", name: "A", role }, session: { id: "s1" } });

function Where(): React.ReactElement {
  const l = useLocation();
  return <p>at {l.pathname + l.search}</p>;
}

function tree(path: string): React.ReactElement {
  return (
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route element={<RequireAuth />}>
          <Route path="/tasks" element={<p>tasks page</p>} />
          <Route path="/admin" element={<RequireAdmin />}>
            <Route index element={<p>admin page</p>} />
          </Route>
        </Route>
        <Route path="/sign-in" element={<Where />} />
      </Routes>
    </MemoryRouter>
  );
}

const app = (path = "/tasks") => render(tree(path));

afterEach(() => clearExit());

describe("RequireAuth", () => {
  it("shows the page to a signed-in person", () => {
    useSession.mockReturnValue(signedIn());
    app();
    expect(screen.getByText("tasks page")).toBeInTheDocument();
  });

  it("waits while the session is being checked", () => {
    useSession.mockReturnValue(state(null, { isPending: true }));
    app();
    expect(screen.getByRole("status")).toHaveTextContent("Checking your session…");
  });

  it("sends a signed-out visitor to sign in and back", () => {
    useSession.mockReturnValue(state(null));
    app("/tasks?x=1");
    expect(screen.getByText("at /sign-in?next=%2Ftasks%3Fx%3D1")).toBeInTheDocument();
  });

  it("says the session ended when it vanishes under an open page", () => {
    useSession.mockReturnValue(signedIn());
    const view = app();
    expect(screen.getByText("tasks page")).toBeInTheDocument();
    useSession.mockReturnValue(state(null)); // revoked or banned: the periodic check finds nothing
    view.rerender(tree("/tasks"));
    expect(screen.getByText("at /sign-in?next=%2Ftasks&reason=session-ended")).toBeInTheDocument();
  });

  it("starts fresh after a deliberate sign-out", () => {
    markExit("signed-out");
    useSession.mockReturnValue(state(null));
    app("/tasks");
    expect(screen.getByText("at /sign-in?reason=signed-out")).toBeInTheDocument();
  });

  it("starts fresh after deleting the account, and says so", () => {
    markExit("account-deleted");
    useSession.mockReturnValue(signedIn());
    const view = app("/tasks");
    useSession.mockReturnValue(state(null)); // the deletion empties the session store
    view.rerender(tree("/tasks"));
    expect(screen.getByText("at /sign-in?reason=account-deleted")).toBeInTheDocument();
  });

  it("offers a retry when the session check itself failed", () => {
    useSession.mockReturnValue(state(null, { error: { status: 502, message: "" } as never }));
    app();
    expect(screen.getByRole("alert")).toHaveTextContent("Something went wrong on our side.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});

describe("RequireAdmin", () => {
  it("refuses a non-admin", () => {
    useSession.mockReturnValue(signedIn("user"));
    app("/admin");
    expect(screen.getByRole("heading", { name: "Not allowed" })).toBeInTheDocument();
    expect(screen.queryByText("admin page")).not.toBeInTheDocument();
  });

  it("lets an admin in", () => {
    useSession.mockReturnValue(signedIn("admin"));
    app("/admin");
    expect(screen.getByText("admin page")).toBeInTheDocument();
  });
});
