import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";

/** Where the viewer and its assets are served. */
export const REFERENCE_PATH = "/api/auth/reference";

/** Start-up code: read the document from the sibling URL; no validator badge (it calls a remote service). */
const INIT_JS = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    withCredentials: true,
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse auth API</title>
<link rel="stylesheet" href="${REFERENCE_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${REFERENCE_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${REFERENCE_PATH}/swagger-ui-bundle.js"></script>
<script src="${REFERENCE_PATH}/init.js"></script>
</body>
</html>
`;

/** Files served from the swagger-ui-dist package, with their media types (nothing else is reachable). */
const PACKAGE_ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

function swaggerUiDir(): string {
  // Resolved through Node's module resolution, so the same code works from src/, dist/ and the image.
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

/**
 * The API reference viewer at /api/auth/reference: Swagger UI from the `swagger-ui-dist` npm
 * package, served by this server, so the page works offline and no third party learns who reads
 * it. Its CSP (security/headers.ts) allows nothing remote. The page reads /api/auth/openapi.json;
 * it has no inline script (the start-up code is init.js).
 *
 * Assets are read on first use and kept in memory (the bundle is ~1.7 MB).
 */
export function apiReferenceRoutes(): Hono {
  const cache = new Map<string, Promise<Buffer>>();
  const asset = (name: string): Promise<Buffer> => {
    let hit = cache.get(name);
    if (!hit) {
      hit = readFile(join(swaggerUiDir(), name));
      cache.set(name, hit);
    }
    return hit;
  };
  const app = new Hono()
    .get(REFERENCE_PATH, (c) => c.html(PAGE))
    .get(`${REFERENCE_PATH}/init.js`, (c) =>
      c.body(INIT_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" }),
    );
  // One route per file, not `/:file`: a name that is no file is no route (404 whatever the method,
  // never a 405 telling that GET serves it), and `constructor` and the like are never looked up.
  for (const [file, type] of Object.entries(PACKAGE_ASSETS))
    app.get(`${REFERENCE_PATH}/${file}`, async (c) =>
      c.body(new Uint8Array(await asset(file)), 200, { "Content-Type": type }),
    );
  return app;
}
