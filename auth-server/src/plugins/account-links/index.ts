export { type AccountLinksOptions, accountLinks, type PasswordLinkStatus } from "./account-links.js";
