import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { authClient, signOutOfApp } from "../../lib/auth-client";
import { resetProvidersCache } from "../../lib/oauth";
import { SignInMethodsSection } from "./SignInMethodsSection";

vi.mock("../../lib/auth-client", () => ({
  authClient: { $fetch: vi.fn(), listAccounts: vi.fn(), linkSocial: vi.fn(), unlinkAccount: vi.fn() },
  signOutOfApp: vi.fn(),
}));
const client = vi.mocked(authClient, { deep: true });
const origin = window.location.origin;

const PASSWORD = { id: "a1", providerId: "credential", createdAt: "2026-01-02T10:00:00.000Z" };
const ACME = { id: "a2", providerId: "acme", createdAt: "2026-02-03T10:00:00.000Z" };
const ok = <T,>(data: T) => ({ data, error: null }) as never;
const fail = (status: number, code: string) => ({ data: null, error: { status, code, message: "raw" } }) as never;

function Where(): React.ReactElement {
  const l = useLocation();
  return <p>at {l.pathname + l.search}</p>;
}

function open(path = "/account"): void {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route
          path="/account"
          element={
            <>
              <SignInMethodsSection />
              <Where />
            </>
          }
        />
        <Route path="/sign-in" element={<Where />} />
      </Routes>
    </MemoryRouter>,
  );
}

const section = () => screen.getByRole("region", { name: "Sign-in methods" });

beforeEach(() => {
  resetProvidersCache();
  client.$fetch.mockResolvedValue(ok([{ id: "acme", name: "Acme SSO", type: "oidc" }]));
});

describe("sign-in methods", () => {
  it("lists each method by name; the last one cannot be unlinked; enabled providers can be linked", async () => {
    client.listAccounts.mockResolvedValue(ok([PASSWORD]));
    client.linkSocial.mockResolvedValue(ok({ url: "http://op/authorize", redirect: true }));
    open();
    expect(await within(section()).findByText("Email and password")).toBeInTheDocument();
    const unlink = screen.getByRole("button", { name: "Unlink Email and password" });
    expect(unlink).toBeDisabled();
    expect(unlink).toHaveAccessibleDescription("Your only way to sign in can't be removed. Link another one first.");

    fireEvent.click(await screen.findByRole("button", { name: "Link Acme SSO" }));
    await waitFor(() =>
      expect(client.linkSocial).toHaveBeenCalledWith({
        provider: "acme",
        callbackURL: `${origin}/account?linked=acme`,
        errorCallbackURL: `${origin}/account`,
      }),
    );
  });

  it("unlinks a provider while another method remains, and shows the new list", async () => {
    client.listAccounts.mockResolvedValueOnce(ok([PASSWORD, ACME])).mockResolvedValue(ok([PASSWORD]));
    client.unlinkAccount.mockResolvedValue(ok({ status: true }));
    open();
    expect(await within(section()).findByText("Acme SSO")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Link Acme SSO" })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Unlink Acme SSO" }));
    expect(await screen.findByText("Acme SSO unlinked.")).toBeInTheDocument();
    expect(client.unlinkAccount).toHaveBeenCalledWith({ accountId: "a2" });
    await waitFor(() => expect(within(section()).getAllByRole("listitem")).toHaveLength(1));
    expect(screen.getByRole("button", { name: "Link Acme SSO" })).toBeInTheDocument();
  });

  it("explains the server's refusal to remove the last method", async () => {
    client.listAccounts.mockResolvedValue(ok([PASSWORD, ACME]));
    client.unlinkAccount.mockResolvedValue(fail(400, "FAILED_TO_UNLINK_LAST_ACCOUNT"));
    open();
    fireEvent.click(await screen.findByRole("button", { name: "Unlink Acme SSO" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "This is your only way to sign in, so it can't be removed. Add another one first.",
    );
  });

  it("asks for a fresh sign-in when the session is too old, and takes the person there", async () => {
    client.listAccounts.mockResolvedValue(ok([PASSWORD, ACME]));
    client.unlinkAccount.mockResolvedValue(fail(403, "SESSION_NOT_FRESH"));
    vi.mocked(signOutOfApp).mockResolvedValue(ok({ success: true }));
    open();
    fireEvent.click(await screen.findByRole("button", { name: "Unlink Acme SSO" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "For your security, sign in again before changing how you sign in.",
    );
    fireEvent.click(screen.getByRole("button", { name: "Sign in again" }));
    expect(await screen.findByText("at /sign-in?next=%2Faccount&reason=reauth")).toBeInTheDocument();
    expect(signOutOfApp).toHaveBeenCalledTimes(1);
  });

  it("reports a link that worked, once, and clears the address", async () => {
    client.listAccounts.mockResolvedValue(ok([PASSWORD, ACME]));
    open("/account?linked=acme");
    expect(await screen.findByText("Acme SSO is now linked.")).toBeInTheDocument();
    expect(screen.getByText("at /account")).toBeInTheDocument();
  });

  it("reports a link that failed at the provider or the server", async () => {
    client.listAccounts.mockResolvedValue(ok([PASSWORD]));
    open("/account?error=ACCOUNT_ALREADY_LINKED");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "That provider account is already linked to another user.",
    );
    expect(screen.getByText("at /account")).toBeInTheDocument();
  });

  it("offers a retry when the list cannot be loaded", async () => {
    client.listAccounts.mockResolvedValueOnce(fail(500, "INTERNAL_ERROR")).mockResolvedValue(ok([PASSWORD]));
    open();
    fireEvent.click(await screen.findByRole("button", { name: "Try again" }));
    expect(await within(section()).findByText("Email and password")).toBeInTheDocument();
  });
});
