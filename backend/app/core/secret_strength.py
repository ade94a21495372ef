"""Which BETTER_AUTH_SECRET values production refuses, and which URLs it refuses as insecure.

The same rules as the auth server's (auth-server/src/env.ts), so both services refuse the same configuration:
- a secret from the examples (contract/gatehouse.json `placeholderSecrets`, `.env.example`'s included), compared
  case-insensitively;
- shorter than 32 characters (better-auth's own minimum);
- one unit repeated (`aaaa…`, `abcabc…`);
- an entropy estimate under 96 bits, estimated as better-auth does (length * log2(distinct characters)): 32 random
  hex digits (128 bits) estimate ≥ 96 with overwhelming probability, `abababab…` estimates 32.
- URLs: `http://` anywhere but a loopback host (`localhost`, 127.0.0.0/8, ::1), where traffic never leaves the
  machine and browsers treat the origin as secure.
"""

import ipaddress
import math
from urllib.parse import urlsplit

from gatehouse_fastapi._contract import PLACEHOLDER_SECRETS

MIN_SECRET_LENGTH = 32
MIN_SECRET_ENTROPY_BITS = 96


def weak_secret_reason(secret: str) -> str | None:
    """Why `secret` must not sign anything in production, or None if it may."""
    if secret.lower() in PLACEHOLDER_SECRETS:
        return "is a placeholder from the examples; generate one with `openssl rand -base64 32`"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    if secret in (secret + secret)[1:-1]:  # equal to a rotation of itself: a unit repeated
        return "is one short unit repeated"
    if len(secret) * math.log2(len(set(secret))) < MIN_SECRET_ENTROPY_BITS:
        return f"has too little entropy (under {MIN_SECRET_ENTROPY_BITS} bits estimated)"
    return None


def is_loopback_host(host: str) -> bool:
    """`localhost` (and its subdomains), or a loopback IP address."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_url(url: str) -> bool:
    """Whether `url` is plain `http://` to a host other than loopback."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname or "")
