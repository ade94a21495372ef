import type { Context } from "hono";
import { type ErrorBody, ErrorCode } from "../errors.js";

/** A route the service serves: a method and a path (`:name` is one segment). */
export interface KnownRoute {
  method: string;
  path: string;
}

/** `:name` segments match one segment; everything else is literal. */
function toPattern(path: string): RegExp {
  const segments = path.split("/").map((s) => (s.startsWith(":") ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${segments.join("/")}$`);
}

/**
 * The methods each known path is served with, for the 405 answer of a request that names a served
 * path with another method (RFC 9110 §15.5.6: 405 and an `Allow` header listing the methods), as
 * the backend (Starlette) answers; a path nobody serves stays 404. Built on first use, from routes
 * read then (the app's routes are all registered by the first request).
 */
export class AllowedMethods {
  private table: { pattern: RegExp; methods: Set<string> }[] | null = null;

  constructor(private readonly routes: () => readonly KnownRoute[]) {}

  /** The methods `path` is served with, sorted; empty when no route serves it. */
  of(path: string): string[] {
    this.table ??= this.build();
    const found = new Set<string>();
    for (const row of this.table) if (row.pattern.test(path)) for (const m of row.methods) found.add(m);
    return [...found].sort();
  }

  /**
   * The 405 for `c` when its path is served with other methods than its own, else null (HEAD is
   * served wherever GET is, as Hono does).
   */
  refusal(c: Context): Response | null {
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    const allowed = this.of(c.req.path);
    if (allowed.length === 0 || allowed.includes(method)) return null;
    const allow = allowed.join(", ");
    return c.json<ErrorBody>(
      { code: ErrorCode.METHOD_NOT_ALLOWED, message: `${c.req.method} is not allowed on ${c.req.path}; use ${allow}.` },
      405,
      { Allow: allow },
    );
  }

  private build(): { pattern: RegExp; methods: Set<string> }[] {
    const byPath = new Map<string, Set<string>>();
    for (const { method, path } of this.routes()) {
      const methods = byPath.get(path) ?? new Set<string>();
      methods.add(method.toUpperCase());
      byPath.set(path, methods);
    }
    return [...byPath].map(([path, methods]) => ({ pattern: toPattern(path), methods }));
  }
}

/**
 * better-auth's endpoints as its router serves them (not the server-only ones), under `basePath`,
 * without those Gatehouse does not serve (`notServed`: "METHOD /path", as openapi/document.ts).
 */
export function betterAuthRoutes(
  api: Record<string, unknown>,
  basePath: string,
  notServed: ReadonlySet<string>,
): KnownRoute[] {
  const routes: KnownRoute[] = [];
  for (const endpoint of Object.values(api)) {
    const { path, options } = endpoint as {
      path?: string;
      options?: { method?: string | string[]; metadata?: { SERVER_ONLY?: boolean } };
    };
    if (!path || !options || options.metadata?.SERVER_ONLY) continue;
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    for (const method of methods)
      if (method && method !== "*" && !notServed.has(`${method} ${path}`))
        routes.push({ method, path: `${basePath}${path}` });
  }
  return routes;
}

/** An app's own routes (Hono `app.routes`): not middleware (`ALL`) nor catch-alls (`*`). */
export function appRoutes(routes: readonly { method: string; path: string }[]): KnownRoute[] {
  return routes.filter((r) => r.method !== "ALL" && !r.path.includes("*"));
}
