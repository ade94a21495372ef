import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
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

type Options = { onError?: (ctx: { response: Response }) => void };

/** What better-auth's client does with a refused sign-in: onError sees the response, the call returns `{error}`. */
function refuse(status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  client.signIn.email.mockImplementation((async (_body: unknown, options?: Options) => {
    options?.onError?.({ response: new Response(null, { status, headers }) });
    return { data: null, error: { status, code, message } };
  }) as never);
}

function open(): void {
  render(
    <MemoryRouter initialEntries={["/sign-in"]}>
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

async function submit(email = "ada@example.com", password = "wrong password"): Promise<HTMLElement> {
  fireEvent.change(screen.getByLabelText("Email"), { target: { value: email } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
  const button = screen.getByRole("button", { name: "Sign in" });
  button.focus();
  await act(async () => {
    fireEvent.click(button);
  });
  return button;
}

beforeEach(() => {
  resetProvidersCache();
  client.$fetch.mockResolvedValue({ data: [], error: null } as never);
  client.useSession.mockReturnValue({ data: null, isPending: false, refetch: vi.fn() } as never);
});

describe("sign-in feedback", () => {
  it("during a lockout shows the server's wait once, counts down on a focusable disabled button, then lets go", async () => {
    // A few seconds of lockout, so a loaded machine cannot run out the countdown before the first look at it.
    refuse(429, "RATE_LIMITED", "Too many failed sign-ins for this account. Try again in 4 seconds.", {
      "Retry-After": "4",
    });
    open();
    const button = await submit();
    expect(await screen.findByRole("alert")).toHaveTextContent("Try again in 4 seconds.");
    expect(button).toHaveTextContent(/^Try again in 0:0[1-4]$/);
    expect(button).toHaveAttribute("aria-disabled", "true");
    expect(document.activeElement).toBe(button); // never dropped to <body>
    fireEvent.click(button);
    expect(client.signIn.email).toHaveBeenCalledTimes(1); // nothing sent while locked
    await waitFor(() => expect(button).toHaveTextContent("Sign in"), { timeout: 10_000 });
    expect(button).not.toHaveAttribute("aria-disabled");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  }, 20_000);

  it("a wrong password puts focus back in the password field, its text selected", async () => {
    refuse(401, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password");
    open();
    await submit();
    expect(await screen.findByRole("alert")).toHaveTextContent("That email and password don't match an account.");
    const password = screen.getByLabelText("Password") as HTMLInputElement;
    expect(document.activeElement).toBe(password);
    expect(password.selectionEnd).toBe("wrong password".length);
  });
});
