"""Under plain `pytest` tests/ is on sys.path and tests/simulators would
shadow the real simulators package; put the checkout first."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
