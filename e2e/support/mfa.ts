/**
 * Second factors as a person uses them: an authenticator app (TOTP codes computed by otplib from
 * the key the Security page shows) and a passkey on Chromium's virtual authenticator (DevTools
 * protocol, WebAuthn domain), which answers the browser's WebAuthn calls like a platform
 * authenticator with a PIN or fingerprint would.
 */
import type { CDPSession, Page } from "@playwright/test";
import { generateSync } from "otplib";
import { expect } from "./fixtures";
import { PASSWORD, signInViaUi } from "./flows";

/**
 * An authenticator app holding one TOTP key. The auth server accepts each code once (RFC 6238
 * §5.2), so like a person who was told "wait for the next one", `code()` waits (bounded) for the
 * next 30 s period when the app still shows a code already typed.
 */
export class AuthenticatorApp {
  private readonly typed = new Set<string>();

  constructor(readonly key: string) {}

  /** The code the app shows now, one not typed before. */
  async code(): Promise<string> {
    let code = "";
    await expect
      .poll(
        () => {
          code = generateSync({ secret: this.key });
          return this.typed.has(code);
        },
        { message: "the authenticator app shows a new code", timeout: 35_000, intervals: [500] },
      )
      .toBe(false);
    this.typed.add(code);
    return code;
  }
}

/**
 * Turns on the authenticator app from the Security page: password, then the key typed by hand
 * ("Can't scan?"), then a first code. Returns the app and the backup codes shown once.
 */
export async function enrolTotp(
  page: Page,
  password = PASSWORD,
): Promise<{ app: AuthenticatorApp; backupCodes: string[] }> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Security" }).click();
  const card = page.getByRole("region", { name: "Authenticator app" });
  await card.getByLabel("Your password").fill(password);
  await card.getByRole("button", { name: "Set up authenticator app" }).click();
  await expect(card.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const key = ((await card.getByText("Can't scan? Enter this key:").locator("code").textContent()) ?? "").trim();
  expect(key, "the manual key is base32").toMatch(/^[A-Z2-7]{16,}=*$/);
  const app = new AuthenticatorApp(key);
  await card.getByLabel("Code from the app").fill(await app.code());
  await card.getByRole("button", { name: "Turn on" }).click();

  const saved = card.getByRole("list", { name: "Backup codes" });
  await expect(saved.getByRole("listitem")).toHaveCount(10);
  const backupCodes = (await saved.getByRole("listitem").allTextContents()).map((c) => c.trim());
  await card.getByRole("button", { name: "I saved them" }).click();
  await expect(card.getByText("On: signing in asks for a code")).toBeVisible();
  return { app, backupCodes };
}

/** Password, then the code step with a code from `app`; ends on the tasks page. */
export async function signInWithCode(page: Page, email: string, app: AuthenticatorApp): Promise<void> {
  await signInViaUi(page, email);
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await page.getByLabel("Authentication code").fill(await app.code());
  await page.getByRole("button", { name: "Verify", exact: true }).click();
  await expect(page).toHaveURL(/\/tasks$/);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

/** A credential as the DevTools protocol reports it (WebAuthn.Credential). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
}

/**
 * A platform authenticator (internal transport, CTAP2) attached to `page`'s tab: it stores
 * discoverable credentials, verifies the user (as a PIN or fingerprint would) and confirms
 * presence by itself, so WebAuthn ceremonies complete without a prompt.
 */
export async function addVirtualAuthenticator(
  page: Page,
): Promise<{ credentials: () => Promise<VirtualCredential[]> }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}

/** Registers a passkey named `name` from the Security page (the virtual authenticator answers). */
export async function addPasskey(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Security" }).click();
  const card = page.getByRole("region", { name: "Passkeys" });
  await card.getByLabel("Name for a new passkey").fill(name);
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await expect(card.getByText(`Passkey "${name}" added.`)).toBeVisible();
  await expect(card.getByRole("list", { name: "Your passkeys" }).getByRole("listitem")).toContainText([name]);
}
