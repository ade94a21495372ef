/**
 * Build-time switches. The dev mailbox is for local work only: present in `vite` dev, and in a
 * build only when VITE_DEV_MAILBOX=true (the e2e run sets it; production builds do not).
 */
export const DEV_MAILBOX: boolean = import.meta.env.DEV || import.meta.env.VITE_DEV_MAILBOX === "true";
