"""HiGHS instances for every engine: one place that keeps HiGHS's start-up banner off stdout and sets its
thread count safely."""

from __future__ import annotations

import os
import sys
import threading

import highspy

_BANNER_SHOWN = False
_LOCK = threading.Lock()
_FIRST_THREADS: int | None = None
"""``threads`` asked for by the process's first HiGHS instance (0: HiGHS's default)."""


def new_highs(*, threads: int | None = None) -> highspy.Highs:
    """A silent ``Highs`` instance (``output_flag`` off); the first one of the process is made with stdout
    silenced, so HiGHS's one-off banner does not mix into machine-read output (benchmark runners print JSON
    lines on stdout). Safe to call from several threads (column generation prices in a thread pool).

    Parameters
    ----------
    threads : int, optional
        Threads HiGHS may use. HiGHS runs one task scheduler per process, sized by the first run; a later run
        that asks for another size fails (``run()`` returns ``kError``, the model status stays ``kNotset``).
        This was seen in one process (the HTTP service, a planner's script): after a roster plan whose column
        generation ran HiGHS at its default, every cover LP asking for one thread failed, and the roster fell back
        to a far weaker start. So ``threads`` is applied only by the process's first instance, or when it equals
        what that one asked for; otherwise the option keeps its default (0: the running scheduler's size, which
        never fails).
    """
    global _BANNER_SHOWN, _FIRST_THREADS
    with _LOCK:
        if _FIRST_THREADS is None:
            _FIRST_THREADS = 0 if threads is None else int(threads)
        apply = threads is not None and int(threads) == _FIRST_THREADS
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
    if apply and threads is not None:
        h.setOptionValue("threads", int(threads))
    return h
