"""PostgreSQL SQLSTATEs the direct reads classify (`app.core.reads`: which errors mean the connection itself is
gone): the package's list, the same one its `is_database_unavailable` (503s) reads, so the two cannot disagree
(PostgreSQL documentation, Appendix A "PostgreSQL Error Codes")."""

from gatehouse_fastapi._database import OPERATOR_INTERVENTION

__all__ = ["OPERATOR_INTERVENTION"]
