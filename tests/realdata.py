"""Where the real public CDISC datasets live (../shared/realdata beside the checkout), for import tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REALDATA = Path(os.environ.get("CMLTRACK_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata"))
needs_realdata = pytest.mark.skipif(not REALDATA.exists() and not os.environ.get("CI"),
                                    reason=f"real CDISC datasets not found at {REALDATA}")
