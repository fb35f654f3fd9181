"""HiGHS instances for every engine: one place that keeps HiGHS's start-up banner off stdout."""

from __future__ import annotations

import os
import sys
import threading

import highspy

_BANNER_SHOWN = False
_LOCK = threading.Lock()


def new_highs() -> highspy.Highs:
    """A silent ``Highs`` instance (``output_flag`` off); the first one of the process is made with stdout
    silenced, so HiGHS's one-off banner does not mix into machine-read output (benchmark runners print JSON
    lines on stdout). Safe to call from several threads (column generation prices in a thread pool)."""
    global _BANNER_SHOWN
    with _LOCK:
        if _BANNER_SHOWN:
            h = highspy.Highs()
        else:
            _BANNER_SHOWN = True
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
    h.setOptionValue("output_flag", False)
    return h
