import type { parseArgs } from "node:util";
import type { Gatehouse } from "../gatehouse.js";

/** What every CLI command shares: exit codes, the operator-facing error, the command shape. */

/** Exit codes: sysexits.h where one fits, so scripts can tell a usage error from a failure. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, CONFIG: 78 } as const;

/** A command's own failure that is the operator's to fix: printed without a stack trace. */
export class CommandError extends Error {
  override name = "CommandError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
  }
}

/** Where a command writes (stdout, stderr; tests capture them). */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export type Options = Record<string, string | boolean | undefined>;

/** A command that needs a configured auth server: its options and what it does. */
export interface Command {
  /** node:util parseArgs options; arguments are checked before anything is opened. */
  options: NonNullable<Parameters<typeof parseArgs>[0]>["options"];
  /** Positional arguments it takes (none when absent). */
  positionals?: number;
  /** False when the command migrates itself (or must not): the import, whose dry run writes nothing. */
  migrates?: boolean;
  run(gh: Gatehouse, values: Options, io: Io, positionals: string[]): Promise<number>;
}
