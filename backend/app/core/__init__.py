"""Cross-cutting infrastructure: settings, database engine, logging."""
