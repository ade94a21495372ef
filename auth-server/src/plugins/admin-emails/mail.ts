import { layout } from "../../email/templates.js";
import type { Mail } from "../../email/types.js";

/**
 * To an administrator address verified in a browser that did not sign the account up: choosing a
 * password through this link proves the address and the credential together, and grants the role.
 */
export function activateAdminMail(to: string, name: string, url: string): Mail {
  const intro = `Hi ${name || "there"}, your address is verified. It is one of this Gatehouse's administrator addresses: choose your password through this link to turn on administrator access.`;
  const outro =
    "The link is valid for 1 hour and works once. If you did not create this account, use the link anyway: it makes the account yours and ends every session someone else may have.";
  return {
    to,
    subject: "Turn on administrator access",
    text: `${intro}\n\nChoose your password: ${url}\n\n${outro}\n`,
    html: layout("Turn on administrator access", intro, { label: "Choose your password", url }, outro),
  };
}
