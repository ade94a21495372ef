import type { Mail } from "./types.js";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The shared HTML shell of every Gatehouse mail: a title, a sentence, one button, a footnote. */
export function layout(
  title: string,
  intro: string,
  action: { label: string; url: string } | null,
  outro: string,
): string {
  const button = action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#1f4fd1;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(action.label)}</a></p>
<p style="font-size:13px;color:#555">Or paste this link into your browser:<br><a href="${escapeHtml(action.url)}">${escapeHtml(action.url)}</a></p>`
    : "";
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111;max-width:560px;margin:auto;padding:24px">
<h1 style="font-size:20px">${escapeHtml(title)}</h1><p>${escapeHtml(intro)}</p>${button}<p style="font-size:13px;color:#555">${escapeHtml(outro)}</p>
</body></html>`;
}

/** Link the web app opens to confirm an email address (valid 15 minutes). */
export function verificationMail(to: string, name: string, url: string): Mail {
  const intro = `Hi ${name || "there"}, confirm your email address to finish creating your Gatehouse account.`;
  const outro = "The link is valid for 15 minutes. If you did not sign up, ignore this message.";
  return {
    to,
    subject: "Verify your email address",
    text: `${intro}\n\nVerify: ${url}\n\n${outro}\n`,
    html: layout("Verify your email address", intro, { label: "Verify email", url }, outro),
  };
}

/** Link to choose a new password (valid 1 hour, single use). */
export function resetPasswordMail(to: string, name: string, url: string): Mail {
  const intro = `Hi ${name || "there"}, someone asked to reset the password of your Gatehouse account.`;
  const outro =
    "The link is valid for 1 hour and works once. If it was not you, ignore this message; your password stays as it is.";
  return {
    to,
    subject: "Reset your password",
    text: `${intro}\n\nReset: ${url}\n\n${outro}\n`,
    html: layout("Reset your password", intro, { label: "Choose a new password", url }, outro),
  };
}

/**
 * Sent to the owner when someone signs up with an email that already has an account, so the
 * sign-up response itself can stay identical to a new account's (no enumeration).
 */
export function existingAccountMail(to: string, name: string, signInUrl: string, resetUrl: string): Mail {
  const intro = `Hi ${name || "there"}, someone tried to create a Gatehouse account with this address, which already has one.`;
  const outro = `If it was you, sign in at ${signInUrl} or reset your password at ${resetUrl}. Otherwise ignore this message.`;
  return {
    to,
    subject: "You already have an account",
    text: `${intro}\n\n${outro}\n`,
    html: layout("You already have an account", intro, { label: "Sign in", url: signInUrl }, outro),
  };
}
