import type { AuthContext } from "better-auth";
import { parseSessionOutput, parseUserOutput } from "better-auth/db";

/** A model object as the fast path holds it (field key → value). */
type Fields = Record<string, unknown>;

/**
 * better-auth's output filter for one model, decided once instead of per request.
 *
 * `parseSessionOutput` / `parseUserOutput` (better-auth 1.7 db/schema, via core's
 * `filterOutputFields`) drop every field the schema marks `returned: false`; per call they
 * structured-clone the object and rebuild it key by key with an object spread, which cost ~15 %
 * of a fast get-session's CPU. Which keys they drop depends only on the configuration, so this
 * asks better-auth's own filter once, with an object holding every field of the model, and per
 * request copies the object without those keys — the same keys, in the same order, with the same
 * values. (The clone is not needed: the fast path builds a fresh object per request and
 * serialises it at once.) A key outside the model's schema is never dropped by either.
 *
 * @param options the instance's better-auth options (`AuthContext.options`)
 * @param tables the instance's tables (`AuthContext.tables`: core, additional and plugin fields)
 * @param model which model's filter
 * @returns a function from a model object to its output object (a new object; the input is left as is)
 */
export function outputFilter(
  options: AuthContext["options"],
  tables: AuthContext["tables"],
  model: "session" | "user",
): (data: Fields) => Fields {
  const probe: Fields = { id: "id" };
  for (const key of Object.keys(tables[model]?.fields ?? {})) probe[key] = key;
  const kept: Fields =
    model === "session" ? parseSessionOutput(options, probe as never) : parseUserOutput(options, probe as never);
  const hidden = new Set(Object.keys(probe).filter((key) => !(key in kept)));
  return (data) => {
    const out: Fields = {};
    for (const key of Object.keys(data)) {
      if (hidden.has(key)) continue;
      // As the spread's computed key does: an own property, never the prototype setter.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value: data[key], enumerable: true, writable: true, configurable: true });
      else out[key] = data[key];
    }
    return out;
  };
}
