"""better-call's signed values: `<value>.<base64 HMAC-SHA256(secret, value)>`, URL-encoded in cookies.

Mirrors better-call's `getSignedCookie` / `signCookieValue` and the bearer plugin's check, so a value the
auth server accepts is accepted here and nothing else is. The signature is checked with a constant-time
comparison before the token ever reaches the database.
"""

import base64
import binascii
import hashlib
import hmac
from urllib.parse import quote, unquote

_SIGNATURE_BYTES = 32  # SHA-256


def sign(value: str, secret: bytes) -> str:
    """`value.signature` exactly as better-call signs it (standard base64, with padding), not URL-encoded."""
    digest = hmac.new(secret, value.encode(), hashlib.sha256).digest()
    return f"{value}.{base64.b64encode(digest).decode()}"


def sign_cookie_value(value: str, secret: bytes) -> str:
    """The cookie form: the signed value URL-encoded like `encodeURIComponent`."""
    return quote(sign(value, secret), safe="-_.!~*'()")


def _decode_signature(signature: str) -> bytes | None:
    # The bearer plugin decodes with a helper that accepts both base64 alphabets, padded or not.
    normalized = signature.replace("-", "+").replace("_", "/")
    normalized += "=" * (-len(normalized) % 4)
    try:
        raw = base64.b64decode(normalized, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == _SIGNATURE_BYTES else None


def unsign(signed: str, secret: bytes, *, strict_cookie_format: bool = True) -> str | None:
    """Return the value if its signature is valid, else None.

    `signed` may still be URL-encoded (as it sits in the Cookie header). With `strict_cookie_format`,
    the signature must look exactly like better-call's (44 base64 characters ending in `=`); the bearer
    form also accepts base64url.
    """
    if "%" in signed:
        signed = unquote(signed)
    value, dot, signature = signed.rpartition(".")
    if not dot or not value:
        return None
    if strict_cookie_format and (len(signature) != 44 or not signature.endswith("=")):
        return None
    received = _decode_signature(signature)
    if received is None:
        return None
    expected = hmac.new(secret, value.encode(), hashlib.sha256).digest()
    return value if hmac.compare_digest(expected, received) else None
