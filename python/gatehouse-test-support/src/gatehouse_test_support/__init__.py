"""Test helpers shared by the backend's and gatehouse-fastapi's suites (see README.md); not a published package."""
