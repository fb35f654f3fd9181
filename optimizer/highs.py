"""HiGHS instances for every engine: one place that keeps HiGHS's start-up banner off stdout."""

from __future__ import annotations

import os
import sys

import highspy

_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A ``Highs`` instance; the first one of the process is made with stdout silenced, so HiGHS's one-off
    banner does not mix into machine-read output (benchmark runners print JSON lines on stdout)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    _BANNER_SHOWN = True
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
