"""HTTP layer: routers under /api/v1 and their shared dependencies."""
