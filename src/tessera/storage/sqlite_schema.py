"""The SQLite schema at ``LATEST`` as one SQL script: a first start needs no SQLAlchemy.

``sqlite_schema.sql`` is generated from ``tables.py``; a test fails when it is
stale. Regenerate it with ``python -m tessera.storage.sqlite_schema --update``
(``make schema``).
"""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("sqlite_schema.sql")

_HEADER = "-- Generated from tables.py by `make schema`: do not edit.\n\n"


def generate(revision: str) -> str:
    """The script creating every table and index of ``tables.py``, stamped at ``revision``."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from tessera.storage.tables import metadata

    dialect = sqlite.dialect()
    statements = []
    for table in metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            statements.append(str(CreateIndex(index).compile(dialect=dialect)).strip())
    # As Alembic makes its table, holding the revision it would have stamped.
    statements.append(
        "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL,"
        "\n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)"
    )
    stamp = f"INSERT INTO alembic_version (version_num) VALUES ('{revision}')"  # noqa: S608
    statements.append(stamp)
    body = ";\n\n".join(statements) + ";\n"
    return _HEADER + "\n".join(line.rstrip() for line in body.split("\n"))


def main(argv: list[str]) -> int:
    from tessera.storage.migrate import LATEST

    script = generate(LATEST)
    if argv == ["--update"]:
        SCRIPT.write_text(script)
    else:
        sys.stdout.write(script)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
