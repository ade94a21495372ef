import type { TestProject } from "vitest/node";
// @ts-expect-error -- plain ESM script shared with the backend's tests, no type declarations.
import { startEmbeddedPostgres } from "../../scripts/embedded-pg.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the throwaway PostgreSQL server's `gatehouse` database. */
    pgUrl: string;
  }
}

/** One real PostgreSQL for the whole run; each test file creates its own database on it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pg = (await startEmbeddedPostgres()) as { url: string; stop(): Promise<void> };
  project.provide("pgUrl", pg.url);
  return async () => {
    await pg.stop();
  };
}
