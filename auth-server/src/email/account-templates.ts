import { durationInWords } from "../wording.gen.js";
import { layout } from "./templates.js";
import type { Mail } from "./types.js";

/**
 * An admin added this person: the link lets them choose their password (and proves the address).
 * `validForS` is how long the link works, in seconds (worded "7 days", "1 day", "1 hour").
 */
export function inviteMail(to: string, name: string, invitedBy: string, url: string, validForS: number): Mail {
  const intro = `Hi ${name || "there"}, ${invitedBy} invited you to Gatehouse. Choose a password to start.`;
  const outro = `The link is valid for ${durationInWords(validForS)} and works once. If you did not expect this, ignore this message.`;
  return {
    to,
    subject: "You're invited to Gatehouse",
    text: `${intro}\n\nChoose your password: ${url}\n\n${outro}\n`,
    html: layout("You're invited to Gatehouse", intro, { label: "Choose your password", url }, outro),
  };
}

/** To the new address of an email change (better-auth change-email): using the link makes the change. */
export function confirmNewEmailMail(to: string, name: string, url: string): Mail {
  const intro = `Hi ${name || "there"}, confirm that ${to} is the new email address of your Gatehouse account.`;
  const outro = "The link is valid for 15 minutes. Until it is used, your account keeps its current address.";
  return {
    to,
    subject: "Confirm your new email address",
    text: `${intro}\n\nConfirm: ${url}\n\n${outro}\n`,
    html: layout("Confirm your new email address", intro, { label: "Confirm new address", url }, outro),
  };
}

/**
 * To the current address when a change to `newEmail` was asked for (better-auth's
 * sendChangeEmailConfirmation): nothing changes unless its owner approves, so a stolen session
 * alone cannot move the account to another inbox.
 */
export function approveEmailChangeMail(to: string, name: string, newEmail: string, url: string): Mail {
  const intro = `Hi ${name || "there"}, someone signed in to your Gatehouse account asked to change its email address to ${newEmail}. If it was you, approve the change; we then send a confirmation link to ${newEmail}.`;
  const outro =
    "The link is valid for 15 minutes. If it was not you, do not approve: ignore this message and change your password.";
  return {
    to,
    subject: "Approve your email change",
    text: `${intro}\n\nApprove: ${url}\n\n${outro}\n`,
    html: layout("Approve your email change", intro, { label: "Approve the change", url }, outro),
  };
}

/** An admin removed the account's second factors (lost authenticator): sign in with the password, then enrol again. */
export function secondFactorResetMail(to: string, name: string, securityUrl: string): Mail {
  const intro = `Hi ${name || "there"}, an administrator removed the two-step verification (authenticator app, backup codes and passkeys) from your Gatehouse account. You can now sign in with your password alone.`;
  const outro =
    "Set up two-step verification again as soon as you can. If you did not ask for this, change your password and tell your administrator.";
  return {
    to,
    subject: "Two-step verification was reset",
    text: `${intro}\n\nSet it up again: ${securityUrl}\n\n${outro}\n`,
    html: layout("Two-step verification was reset", intro, { label: "Set it up again", url: securityUrl }, outro),
  };
}
