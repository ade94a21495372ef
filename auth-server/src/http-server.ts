import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import { ERROR_STATUS, ErrorCode } from "./contract.gen.js";

/**
 * The Node HTTP server around the Hono app, with the request-head limit and the answers Node gives
 * before the app sees a request (issue 12 item 13).
 *
 * `maxHeaderSize` bounds the request line plus headers (Node's default, 16 KiB; the backend uses the
 * same MAX_HEADER_BYTES). What Node refuses on its own (an oversized head, a malformed request, a
 * request that did not arrive in time) is answered here in the house `{code, message}` shape with
 * `Connection: close`, instead of Node's bodyless default (`clientError`, Node's http docs).
 */
export interface HttpServerOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname: string;
  maxHeaderBytes: number;
}

/** Node's parser errors and the contract code each one is answered with. */
const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: ErrorCode.HEADERS_TOO_LARGE, message: "Request headers are too large." },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: "Chunk extensions are too large." },
  ERR_HTTP_REQUEST_TIMEOUT: { code: ErrorCode.REQUEST_TIMEOUT, message: "The request did not arrive in time." },
};
const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Payload Too Large",
  431: "Request Header Fields Too Large",
};

/** The raw HTTP/1.1 response for a request Node refused before parsing it (`err.code` decides). */
export function clientErrorResponse(errCode: string | undefined, maxHeaderBytes: number): string {
  const known = errCode ? CLIENT_ERRORS[errCode] : undefined;
  const code = known?.code ?? ErrorCode.BAD_REQUEST;
  const message =
    code === ErrorCode.HEADERS_TOO_LARGE
      ? `Request headers are larger than ${maxHeaderBytes} bytes.`
      : (known?.message ?? "The request is not valid HTTP.");
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ code, message });
  return [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Bad Request"}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/** Starts listening; `onListening` gets the bound address. */
export function startHttpServer(
  options: HttpServerOptions,
  onListening?: (info: { address: string; port: number }) => void,
): Server {
  const server = serve(
    {
      fetch: options.fetch,
      port: options.port,
      hostname: options.hostname,
      serverOptions: { maxHeaderSize: options.maxHeaderBytes },
    },
    onListening,
  ) as Server;
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that went away needs no answer; one whose response already started cannot get another.
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(err.code, options.maxHeaderBytes));
  });
  return server;
}
