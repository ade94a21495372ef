import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { authClient } from "../../lib/auth-client";
import { resetProvidersCache } from "../../lib/oauth";
import { SignInPage } from "./SignIn";

vi.mock("../../lib/auth-client", () => ({
  authClient: {
    useSession: vi.fn(),
    $fetch: vi.fn(),
    signIn: { email: vi.fn(), social: vi.fn() },
    sendVerificationEmail: vi.fn(),
  },
}));
const client = vi.mocked(authClient, { deep: true });
const origin = window.location.origin;

const ACME = { id: "acme", name: "Acme SSO", type: "oidc" };
const GOOGLE = { id: "google", name: "Google", type: "social" };

function providers(list: unknown, status = 200): void {
  client.$fetch.mockResolvedValue(
    (status === 200 ? { data: list, error: null } : { data: null, error: { status, message: "down" } }) as never,
  );
}

function open(path = "/sign-in"): void {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

beforeEach(() => {
  resetProvidersCache();
  client.useSession.mockReturnValue({ data: null, isPending: false, refetch: vi.fn() } as never);
});

describe("sign-in page: providers", () => {
  it("shows one button per enabled provider and starts the flow with the right URLs", async () => {
    providers([GOOGLE, ACME]);
    client.signIn.social.mockResolvedValue({
      data: { url: "http://op/authorize", redirect: true },
      error: null,
    } as never);
    open();
    const acme = await screen.findByRole("button", { name: "Continue with Acme SSO" });
    expect(screen.getByRole("button", { name: "Continue with Google" })).toBeInTheDocument();
    expect(client.$fetch).toHaveBeenCalledWith("/providers", { method: "GET" });
    fireEvent.click(acme);
    await waitFor(() => expect(client.signIn.social).toHaveBeenCalledTimes(1));
    expect(client.signIn.social).toHaveBeenCalledWith({
      provider: "acme",
      callbackURL: `${origin}/tasks`,
      errorCallbackURL: `${origin}/sign-in`,
    });
    // The browser is leaving for the provider: the button keeps spinning and the others wait.
    expect(acme).toHaveAttribute("aria-busy", "true");
    expect(screen.getByRole("button", { name: "Continue with Google" })).toBeDisabled();
  });

  it("comes back to where the person was going, on success and on failure", async () => {
    providers([ACME]);
    client.signIn.social.mockResolvedValue({
      data: { url: "http://op/authorize", redirect: true },
      error: null,
    } as never);
    open("/sign-in?next=%2Faccount");
    fireEvent.click(await screen.findByRole("button", { name: "Continue with Acme SSO" }));
    await waitFor(() =>
      expect(client.signIn.social).toHaveBeenCalledWith({
        provider: "acme",
        callbackURL: `${origin}/account`,
        errorCallbackURL: `${origin}/sign-in?next=%2Faccount`,
      }),
    );
  });

  it("shows no provider section when none is enabled, or when the list cannot be loaded", async () => {
    providers([]);
    open();
    await waitFor(() => expect(client.$fetch).toHaveBeenCalled());
    expect(screen.queryByRole("region", { name: "Other ways to sign in" })).not.toBeInTheDocument();
    expect(screen.queryByText("or")).not.toBeInTheDocument();

    resetProvidersCache();
    providers(null, 502);
    open();
    await waitFor(() => expect(client.$fetch).toHaveBeenCalledTimes(2));
    expect(screen.queryByRole("button", { name: /Continue with/ })).not.toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: "Sign in" }).length).toBeGreaterThan(0);
  });

  it("says why a provider could not be started (503, 502) and lets the person retry", async () => {
    providers([ACME]);
    client.signIn.social.mockResolvedValue({
      data: null,
      error: { status: 503, code: "PROVIDER_UNAVAILABLE", message: "down" },
    } as never);
    open();
    const acme = await screen.findByRole("button", { name: "Continue with Acme SSO" });
    fireEvent.click(acme);
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The sign-in provider is unreachable right now. Try again in a moment.",
    );
    expect(acme).toBeEnabled();
    expect(acme).not.toHaveAttribute("aria-busy");
  });
});

describe("sign-in page: a provider flow that failed", () => {
  it.each([
    ["ACCESS_DENIED", "You cancelled the sign-in at the provider."],
    ["PROVIDER_EMAIL_NOT_VERIFIED", "The provider has not verified this email address"],
    ["ACCOUNT_NOT_LINKED", "Sign in with your password, then link this provider"],
    ["STATE_MISMATCH", "expired or was started in another browser"],
    ["nonsense<b>", "Sign-in with the provider failed. Try again."],
  ])("?error=%s reads well", async (code, text) => {
    providers([ACME]);
    open(`/sign-in?error=${encodeURIComponent(code)}`);
    expect(screen.getByRole("alert")).toHaveTextContent(text);
    await screen.findByRole("button", { name: "Continue with Acme SSO" });
  });
});
