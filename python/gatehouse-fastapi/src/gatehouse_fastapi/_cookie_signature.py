"""better-call's signed values, `<value>.<base64 HMAC-SHA256(secret, value)>`, read as the auth server reads them.

The auth server is the reference, so each rule here is better-call's or better-auth's (1.7), not a looser one:
- the Cookie header is parsed as better-call's `parseCookies` does (the first pair of a name wins, one pair of
  surrounding quotes is dropped, the value is URI-decoded unless that fails);
- a signed value is checked as better-call's `getSignedCookie` checks it: split at the last dot, a signature of
  exactly 44 standard-base64 characters ending in `=`, compared in constant time before the value is used;
- a Bearer value goes through better-auth's bearer plugin first: one with a dot is URI-decoded when it holds a
  `%` and is then that same signed cookie; one without a dot is a raw session token.
A form the plugin's own pre-check lets through but the signed-cookie read refuses (an unpadded or base64url
signature, an escaped dot, bytes after the signature) is refused here too: the auth server answers no session.
"""

import base64
import binascii
import hashlib
import hmac
import re
from urllib.parse import quote, unquote_to_bytes

JS_WHITESPACE = "\t\n\x0b\x0c\r \xa0"
"""What JavaScript's `String.prototype.trim` removes among the characters a header can hold (headers are read as
latin-1): not `\x85` or `\x1c` to `\x1f`, which Python's `str.strip()` also removes."""

_SIGNATURE_CHARACTERS = 44  # base64 of 32 bytes (HMAC-SHA256), with its one `=`
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def sign(value: str, secret: bytes) -> str:
    """`value.signature` exactly as better-call signs it (standard base64, with padding), not URL-encoded."""
    digest = hmac.new(secret, value.encode(), hashlib.sha256).digest()
    return f"{value}.{base64.b64encode(digest).decode()}"


def sign_cookie_value(value: str, secret: bytes) -> str:
    """The cookie form: the signed value URL-encoded like `encodeURIComponent`."""
    return quote(sign(value, secret), safe="-_.!~*'()")


def try_decode(value: str) -> str:
    """`decodeURIComponent(value)`, or `value` unchanged where that throws (a `%` not followed by two hex digits,
    bytes that are not UTF-8): better-call's and the bearer plugin's `tryDecode`.
    """
    if "%" not in value or _MALFORMED_ESCAPE.search(value):
        return value
    try:
        return unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return value


def cookie_value(header: str, name: str) -> str | None:
    """The value better-call's `parseCookies` gives cookie `name` in a Cookie header, or None when absent.

    Pairs are split at `;` and at their first `=`; names and values are trimmed (JavaScript's `trim`); the first
    pair of a name wins (a second one, e.g. planted from a sibling domain, does not replace it); a value starting
    with `"` loses its first and last character; the value is then URI-decoded unless that fails.
    """
    if name not in header:
        return None
    index, length = 0, len(header)
    while index < length:
        equals = header.find("=", index)
        if equals == -1:
            break
        end = header.find(";", index)
        if end == -1:
            end = length
        elif end < equals:
            index = header.rfind(";", 0, equals) + 1
            continue
        if header[index:equals].strip(JS_WHITESPACE) == name:
            value = header[equals + 1 : end].strip(JS_WHITESPACE)
            if value.startswith('"'):
                value = value[1:-1]
            return try_decode(value)
        index = end + 1
    return None


def unsign(signed: str, secret: bytes) -> str | None:
    """The value of an already decoded `value.signature` whose signature is valid, else None (better-call's
    `getSignedCookie`: the last dot splits, the signature is 44 characters ending in `=`).
    """
    dot = signed.rfind(".")
    if dot < 1:
        return None
    value, signature = signed[:dot], signed[dot + 1 :]
    if len(signature) != _SIGNATURE_CHARACTERS or not signature.endswith("="):
        return None
    try:
        received = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return None
    expected = hmac.new(secret, value.encode(), hashlib.sha256).digest()
    return value if hmac.compare_digest(expected, received) else None


def bearer_session_token(credential: str, secret: bytes) -> str | None:
    """The session token a Bearer value names, as better-auth's bearer plugin and the endpoint behind it read it:
    with a dot, the signed form (URI-decoded when it holds a `%`) and None unless its signature is valid; without
    one, the raw token itself.
    """
    if "." not in credential:
        return credential
    return unsign(try_decode(credential), secret)
