"""A fresh PostgreSQL schema per test when TEST_DATABASE_URL is set (the suite's second run).

Each test gets its own schema (`search_path` in the URL's options), so tests on two xdist
workers never see each other's rows and a schema costs a few milliseconds, not a database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "")


def with_schema(url: str, schema: str) -> str:
    """The same server URL whose connections work in `schema`."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_schema(url: str = SERVER_URL) -> Iterator[str]:
    """Create an empty schema, yield a URL that uses it, drop it afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def database_env(target: object) -> dict[str, str]:
    """Environment variables that point a `python -m bot` process at `target`."""
    if isinstance(target, str):
        return {"DATABASE_URL": target}
    return {"DATABASE_PATH": str(target)}
