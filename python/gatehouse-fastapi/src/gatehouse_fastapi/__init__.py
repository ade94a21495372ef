"""gatehouse-fastapi: trust Gatehouse (and stock better-auth) credentials in a FastAPI app."""

from gatehouse_fastapi._contract import AuditEventType, ErrorCode, FeedKind

__all__ = ["AuditEventType", "ErrorCode", "FeedKind"]
__version__ = "0.1.0"
