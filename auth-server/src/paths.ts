import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The auth-server package directory (the one holding `package.json` and `data/`), found by walking up
 * from this module. The same code then resolves its files whether it runs as TypeScript from `src/`
 * (tsx, tests), as compiled JavaScript from `dist/` (production), or from Vercel's traced function
 * bundle, which keeps the package's layout and ships `package.json` and `data/` beside it.
 *
 * @throws Error when no `package.json` lies above this module (a broken install).
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`auth-server: no package.json above ${from}`);
  }
}

/** Absolute path of the auth-server package (holds `package.json`, `data/`, `src/`, `dist/`). */
export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The repository root: `.env` and relative SQLite paths resolve from here, as the backend's do. */
export const REPO_ROOT: string = resolve(PACKAGE_ROOT, "..");

/** Absolute path of a file shipped in the package, e.g. `packageFile("data", "common-passwords.txt")`. */
export function packageFile(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}
