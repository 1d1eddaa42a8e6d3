"""Run at the start of every Python process whose ``PYTHONPATH`` holds this directory.

Tests put it there for the ``tessera`` processes they start:

- ``TESSERA_MUTATION``: the bug or fault of ``tests/support/mutations.py`` to apply;
- ``TESSERA_TEST_LOG_LEVEL``: the level ``tessera`` logs at (it always uses INFO),
  so a test can read what every logger writes at ``DEBUG``.
"""

import logging
import os
import sys
from pathlib import Path
from typing import Any

_MUTATION = os.environ.get("TESSERA_MUTATION")
if _MUTATION:
    sys.path.append(str(Path(__file__).resolve().parents[3]))  # the checkout, for `tests`
    from tests.support.mutations import apply

    apply(_MUTATION)

_LEVEL = os.environ.get("TESSERA_TEST_LOG_LEVEL")
if _LEVEL:
    _basic_config = logging.basicConfig

    def _at_test_level(**kwargs: Any) -> None:
        _basic_config(**{**kwargs, "level": _LEVEL})

    logging.basicConfig = _at_test_level
