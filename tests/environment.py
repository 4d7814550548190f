"""Loaded by pytest before Django's settings (``-p tests.environment`` in pyproject.toml)."""

import os

# Tests never need a real secret; DEBUG stays off, as in production.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
