/**
 * Whether a request body arrived as valid UTF-8. `Request.json()` and `formData()` decode with
 * U+FFFD in place of bytes that are not UTF-8 (WHATWG Encoding, "replacement" error mode), so a
 * client's text would be stored altered without a word; Gatehouse refuses it instead.
 */

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A message saying why the body of `request` is not valid UTF-8 (raw bytes, or — in an
 * `application/x-www-form-urlencoded` body — percent-escapes), or null when it is, or when there is
 * no body. Reads a clone; the request itself stays unread.
 */
export async function notUtf8(request: Request): Promise<string | null> {
  if (!METHODS_WITH_BODY.has(request.method) || request.body === null) return null;
  const bytes = new Uint8Array(await request.clone().arrayBuffer());
  if (bytes.length === 0) return null;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return "The request body is not valid UTF-8.";
  }
  const type = request.headers.get("content-type") ?? "";
  if (type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    for (const part of text.split("&")) {
      try {
        decodeURIComponent(part.replaceAll("+", " "));
      } catch {
        return "A form field is not valid UTF-8 once percent-decoded.";
      }
    }
  }
  return null;
}
