"""PostgreSQL SQLSTATEs the backend classifies in two places: the ORM's error mapping (`app.core.db`: which errors
are a 503) and the direct reads (`app.core.reads`: which errors mean the connection itself is gone). One list, so
the two cannot disagree (PostgreSQL documentation, Appendix A "PostgreSQL Error Codes")."""

OPERATOR_INTERVENTION = "57P"
"""Class 57P: the server ended this backend or cannot serve it — admin_shutdown (57P01), crash_shutdown (57P02),
cannot_connect_now (57P03, starting up), database_dropped (57P04), idle_session_timeout (57P05). Each closes the
connection."""

UNAVAILABLE_PREFIXES = ("08", "53", OPERATOR_INTERVENTION)
"""SQLSTATE prefixes of a database that cannot serve right now: 08 connection exception, 53 insufficient resources
(53300 too many connections), and class 57P."""
