"""PostgreSQL SQLSTATEs the backend classifies in two places: the error mapping (`app.core.db`, the package's
`is_database_unavailable`: which errors are a 503) and the direct reads (`app.core.reads`: which errors mean the
connection itself is gone). One list, the package's, so the two cannot disagree (PostgreSQL documentation,
Appendix A "PostgreSQL Error Codes")."""

from gatehouse_fastapi._database import OPERATOR_INTERVENTION
from gatehouse_fastapi._database import UNAVAILABLE_SQLSTATE_PREFIXES as UNAVAILABLE_PREFIXES

__all__ = ["OPERATOR_INTERVENTION", "UNAVAILABLE_PREFIXES"]
