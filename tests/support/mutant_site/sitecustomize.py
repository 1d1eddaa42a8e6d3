"""Run at the start of every Python process whose ``PYTHONPATH`` holds this directory.

``tests/support/mutations.py`` puts it there in a mutation run, so the
``tessera`` processes the tests start carry the same bug as the test process.
"""

import os
import sys
from pathlib import Path

_NAME = os.environ.get("TESSERA_MUTATION")
if _NAME:
    sys.path.append(str(Path(__file__).resolve().parents[3]))  # the checkout, for `tests`
    from tests.support.mutations import apply

    apply(_NAME)
