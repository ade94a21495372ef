import { readFileSync } from "node:fs";
import { packageFile } from "./paths.js";

/** The auth server's package version, reported by /health. */
export const VERSION: string = (JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { version: string })
  .version;
