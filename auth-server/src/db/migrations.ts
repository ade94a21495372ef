/**
 * Gatehouse's own schema changes on top of better-auth's tables, in order. Each runs once, in a
 * transaction, recorded in `gatehouse_migrations`. Never edit a released entry: append a new one.
 */
export interface SqlMigration {
  name: string;
  sqlite: string[];
  postgres: string[];
}

export const GATEHOUSE_MIGRATIONS: SqlMigration[] = [
  {
    // Lookups the backend makes on every opaque-credential check and every session listing.
    name: "0001_session_and_account_indexes",
    sqlite: [
      "create index if not exists user_sessions_user_id_expires_idx on user_sessions (user_id, expires_at)",
      "create index if not exists accounts_provider_account_idx on accounts (provider_id, account_id)",
    ],
    postgres: [
      "create index if not exists user_sessions_user_id_expires_idx on user_sessions (user_id, expires_at)",
      "create index if not exists accounts_provider_account_idx on accounts (provider_id, account_id)",
    ],
  },
];
