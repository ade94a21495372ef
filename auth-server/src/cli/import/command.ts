import { type Command, CommandError, EXIT } from "../command.js";
import { ImportRolledBack, importBetterAuth } from "./importer.js";
import { formatReport } from "./report.js";
import { SecretMismatchError } from "./rules.js";
import { type Mapping, MappingError, readMapping } from "./schema.js";
import { SourceError } from "./source.js";

/**
 * `import better-auth --from <database-url> [--dry-run] [--mapping file.json]`: prints the report and
 * exits 0 once the import (or the dry run) completed, whatever it had to skip (the report lists it);
 * 1 when it could not run (source unreadable, mapping wrong, another secret), nothing written then.
 */
export const importCommand: Command = {
  options: { from: { type: "string" }, "dry-run": { type: "boolean" }, mapping: { type: "string" } },
  positionals: 1,
  migrates: false,
  async run(gh, values, io, positionals) {
    if (positionals[0] !== "better-auth")
      throw new CommandError(
        `import needs the kind of source: "import better-auth --from <database-url>" (got ${positionals[0] ? `"${positionals[0]}"` : "none"})`,
        EXIT.USAGE,
      );
    const from = values.from;
    if (typeof from !== "string" || from === "")
      throw new CommandError(
        "import better-auth needs --from <database-url> (sqlite:<path> or postgres://…)",
        EXIT.USAGE,
      );
    try {
      const mapping: Mapping | undefined = typeof values.mapping === "string" ? readMapping(values.mapping) : undefined;
      const report = await importBetterAuth(gh, { from, dryRun: values["dry-run"] === true, mapping });
      io.out(formatReport(report));
      return EXIT.OK;
    } catch (err) {
      if (
        err instanceof MappingError ||
        err instanceof SourceError ||
        err instanceof SecretMismatchError ||
        err instanceof ImportRolledBack
      )
        throw new CommandError(`${err.message}\nNothing was imported.`);
      throw err;
    }
  },
};
