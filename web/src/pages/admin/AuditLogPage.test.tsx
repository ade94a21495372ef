import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { AuditLogPage } from "./AuditLogPage";
import type { AdminUser } from "./admin-api";
import { type AuthEvent, listEvents, usersForEvents } from "./audit-log";

vi.mock("./audit-log", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./audit-log")>()),
  listEvents: vi.fn(),
  usersForEvents: vi.fn(),
}));
const list = vi.mocked(listEvents);
const users = vi.mocked(usersForEvents);

const event = (over: Partial<AuthEvent>): AuthEvent => ({
  id: 1,
  type: "sign_in",
  user_id: "u1",
  session_id: "s1",
  actor_id: null,
  ip: "203.0.113.9",
  user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  success: true,
  reason: null,
  created_at: "2026-11-22T10:00:00.000Z",
  ...over,
});
const ADA = { id: "u1", name: "Ada", email: "ada@example.com" } as AdminUser;
const ADMIN = { id: "adm", name: "", email: "root@example.com" } as AdminUser;

function Where(): React.ReactElement {
  const l = useLocation();
  return <p>at {l.pathname + l.search}</p>;
}

function open(path = "/admin/events"): void {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route
          path="/admin/events"
          element={
            <>
              <AuditLogPage />
              <Where />
            </>
          }
        />
      </Routes>
    </MemoryRouter>,
  );
}

beforeEach(() => {
  users.mockResolvedValue(
    new Map([
      ["u1", ADA],
      ["adm", ADMIN],
    ]),
  );
});

const NONE = { q: "", from: "", to: "", failures: false };

describe("audit log page", () => {
  it("reads as sentences, marks only failures, names people and the acting admin, shows devices", async () => {
    list.mockResolvedValue({
      events: [
        event({ id: 3, type: "user_banned", actor_id: "adm", reason: "spam", success: true }),
        event({ id: 2, type: "sign_in_failed", user_id: null, reason: "INVALID_EMAIL_OR_PASSWORD", success: false }),
        event({ id: 1 }),
      ],
      total: 3,
    });
    open();
    const rows = await screen.findAllByRole("row");
    expect(rows).toHaveLength(4); // header + 3
    const [, banned, failed, signedIn] = rows as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    expect(banned).toHaveTextContent(`Banned by ${ADMIN.name || ADMIN.email}`);
    expect(within(failed).getByText("Sign-in failed: wrong email or password")).toBeInTheDocument();
    expect(within(failed).getByText("Failed")).toHaveClass("badge-danger");
    expect(within(signedIn).queryByText("Succeeded")).not.toBeInTheDocument();
    expect(within(signedIn).queryByText("Failed")).not.toBeInTheDocument();
    expect(within(signedIn).getByText("Chrome 126 on Linux")).toBeInTheDocument();
    expect(within(signedIn).getByRole("link", { name: /Ada/ })).toHaveAttribute("href", "/admin/events?user=u1");
    expect(screen.getByText(/1–3 of 3/)).toBeInTheDocument();
  });

  it("opens with the filters from the address and names the user", async () => {
    list.mockResolvedValue({ events: [event({})], total: 1 });
    open("/admin/events?user=u1&type=sign_in");
    expect(await screen.findByText("Ada (ada@example.com)")).toBeInTheDocument();
    expect(list).toHaveBeenCalledWith({ ...NONE, userId: "u1", type: "sign_in", page: 0, pageSize: 20 });
    expect(screen.getByLabelText("Event")).toHaveValue("sign_in");
    expect(screen.getByRole("link", { name: "Manage user" })).toHaveAttribute("href", "/admin/users/u1");
  });

  it("filters and pages through the address", async () => {
    list.mockResolvedValue({ events: [event({})], total: 45 });
    open();
    await screen.findByText(/1–20 of 45/);
    fireEvent.change(screen.getByLabelText("Event"), { target: { value: "sign_up" } });
    fireEvent.click(screen.getByRole("button", { name: "Filter" }));
    expect(await screen.findByText("at /admin/events?type=sign_up")).toBeInTheDocument();
    fireEvent.click(await screen.findByRole("button", { name: "Next" }));
    expect(await screen.findByText("at /admin/events?type=sign_up&page=1")).toBeInTheDocument();
    await waitFor(() =>
      expect(list).toHaveBeenLastCalledWith({ ...NONE, userId: "", type: "sign_up", page: 1, pageSize: 20 }),
    );
    fireEvent.click(screen.getByRole("button", { name: "Clear" }));
    expect(await screen.findByText("at /admin/events")).toBeInTheDocument();
  });

  it("says so when nothing matches, and when the log cannot be read", async () => {
    list.mockResolvedValueOnce({ events: [], total: 0 });
    open("/admin/events?type=user_deleted");
    expect(await screen.findByText("No events match these filters.")).toBeInTheDocument();

    list.mockRejectedValueOnce({ code: "FORBIDDEN", message: "Administrators only.", status: 403 });
    fireEvent.click(screen.getByRole("button", { name: "Clear" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Administrators only.");
  });

  it("still lists events with ids when the names cannot be looked up", async () => {
    users.mockRejectedValue(new TypeError("Failed to fetch"));
    list.mockResolvedValue({ events: [event({})], total: 1 });
    open();
    expect(await screen.findByText("u1")).toBeInTheDocument();
  });
});
