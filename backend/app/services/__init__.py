"""Data functions (keyword-only), one module per resource; routes stay thin."""
