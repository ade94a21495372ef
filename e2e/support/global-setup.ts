import { existsSync } from "node:fs";
import { CHROMIUM, chromiumVersion, startStack, writeState } from "./stack";

/** Starts the three services once for the whole run; the returned function is the teardown. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test-e2e does).`);
  const started = Date.now();
  const stack = await startStack();
  writeState(stack.info);
  console.log(
    `e2e stack up in ${((Date.now() - started) / 1000).toFixed(1)}s: web ${stack.info.webUrl}, auth ${stack.info.authUrl}, ` +
      `backend ${stack.info.apiUrl ?? "(not present)"}; ${chromiumVersion()}`,
  );
  return async () => {
    await stack.stop();
  };
}
