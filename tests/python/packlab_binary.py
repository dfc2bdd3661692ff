"""Where the Python tests find the `packlab` binary they test."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def packlab_binary():
    """$PACKLAB_BIN, else target/release/packlab, else target/debug/packlab."""
    if os.environ.get("PACKLAB_BIN"):
        return os.environ["PACKLAB_BIN"]
    for profile in ("release", "debug"):
        candidate = REPO / "target" / profile / "packlab"
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("no packlab binary: build it (cargo build) or set PACKLAB_BIN")
