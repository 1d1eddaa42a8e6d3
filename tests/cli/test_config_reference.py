"""``tessera config-reference``: the key tables as Markdown, and ``--update`` for the docs."""

from __future__ import annotations

from pathlib import Path

from tessera.cli.config_reference import END, START, render_markdown
from tests.cli.runner import tessera

STALE = f"""\
# Configuration reference

Prose an operator wrote.

{START}

| key | default |
|---|---|
| `jwks_timeout` | `3s` |

{END}

## Notes

More prose.
"""


def test_config_reference_prints_a_table_per_block() -> None:
    result = tessera("config-reference", cwd=Path.cwd())

    assert result.returncode == 0, result.stderr
    assert result.stdout == render_markdown()
    assert "## `jwt_config`\n" in result.stdout
    assert "| `jwks_timeout` | duration | `5s` | Tessera |" in result.stdout
    assert "| `server_name` | string | required | Synapse |" in result.stdout
    assert START not in result.stdout


def test_update_rewrites_only_the_generated_part(tmp_path: Path) -> None:
    docs = tmp_path / "configuration.md"
    docs.write_text(STALE)

    result = tessera("config-reference", "--update", str(docs), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "rewritten" in result.stdout
    text = docs.read_text()
    head, rest = text.split(START)
    generated, tail = rest.split(END)
    assert head == "# Configuration reference\n\nProse an operator wrote.\n\n"
    assert generated == f"\n\n{render_markdown()}\n"
    assert tail == "\n\n## Notes\n\nMore prose.\n"
    assert "`3s`" not in text


def test_update_of_a_current_file_leaves_it_as_it_is(tmp_path: Path) -> None:
    docs = tmp_path / "configuration.md"
    docs.write_text(STALE)
    assert tessera("config-reference", "--update", str(docs), cwd=tmp_path).returncode == 0
    current = docs.read_text()

    result = tessera("config-reference", "--update", str(docs), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert docs.read_text() == current


def test_update_refuses_a_file_without_the_markers(tmp_path: Path) -> None:
    docs = tmp_path / "configuration.md"
    docs.write_text("# Configuration reference\n\nNo markers here.\n")

    result = tessera("config-reference", "--update", str(docs), cwd=tmp_path)

    assert result.returncode == 1
    assert f"{docs}: needs the lines {START} and {END}" in result.stderr
    assert docs.read_text() == "# Configuration reference\n\nNo markers here.\n"


def test_update_of_a_missing_file_says_it_cannot_read_it(tmp_path: Path) -> None:
    result = tessera("config-reference", "--update", "nowhere.md", cwd=tmp_path)

    assert result.returncode == 1
    assert "cannot read nowhere.md" in result.stderr
    assert not (tmp_path / "nowhere.md").exists()
