"""A real HTTP JWKS server on 127.0.0.1 with real Ed25519 keys, and a JWT minting helper.

It stands in for the auth server's `/api/auth/jwks` in unit tests: same URL path, same key format
(OKP / Ed25519 / EdDSA, `kid`), real sockets. It counts fetches, and can go down or hang on demand.
"""

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

JWKS_PATH = "/api/auth/jwks"


@dataclass
class SigningKey:
    """An Ed25519 key pair and its kid."""

    kid: str
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def public_jwk(self) -> dict[str, Any]:
        """The public half as better-auth publishes it."""
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "EdDSA"}


class JwksServer:
    """Serves `{"keys": [...]}` at JWKS_PATH; `mode` is "up", "error" (503) or "hang" (never answers)."""

    def __init__(self, *, port: int = 0) -> None:
        self.keys: list[SigningKey] = [SigningKey(kid="test-key-1")]
        self.fetches = 0
        self.mode = "up"
        self._lock = threading.Lock()
        self._hang = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.fetches += 1
                    mode = server.mode
                if mode == "hang":
                    server._hang.wait(30)
                    return
                if self.path != JWKS_PATH or mode == "error":
                    self.send_response(503 if mode == "error" else 404)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [k.public_jwk() for k in server.keys]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def signing_key(self) -> SigningKey:
        """The key tokens are signed with by default."""
        return self.keys[0]

    def reset(self) -> None:
        """Back to one fresh key, up, zero fetches."""
        with self._lock:
            self.keys = [SigningKey(kid="test-key-1")]
            self.fetches = 0
            self.mode = "up"
        self._hang.set()
        self._hang.clear()

    def stop(self) -> None:
        """Shut the server down (connections are then refused)."""
        self._hang.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def mint(
        self,
        *,
        sub: str,
        sid: str | None,
        claims: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        key: SigningKey | None = None,
        lifetime: int = 900,
    ) -> str:
        """A token shaped like the auth server's (`definePayload`: sid, email, email_verified, role, name)."""
        key = key or self.signing_key
        now = int(time.time())
        payload: dict[str, Any] = {
            "sub": sub,
            "sid": sid,
            "email": "someone@example.com",
            "email_verified": True,
            "role": "user",
            "name": "Someone",
            "iat": now,
            "exp": now + lifetime,
            "iss": self.base_url,
            "aud": self.base_url,
        }
        payload.update(claims or {})
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key.private, algorithm="EdDSA", headers={"kid": key.kid, **(headers or {})})


def b64url(data: bytes) -> str:
    """base64url without padding, as in compact JWS."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """Assemble a compact JWS by hand (for tokens no honest library would produce)."""
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), b64url(signature)])
