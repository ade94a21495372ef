/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** "true" includes the /dev/mailbox page in a production build (e2e only). */
  readonly VITE_DEV_MAILBOX?: string;
}
