"""Test helpers: real processes (PostgreSQL, auth server, JWKS server), factories, token minting."""
