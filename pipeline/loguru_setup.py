"""Makes adding a loguru handler cheap: datatrove adds one or two per task for its log files.

Every `logger.add` builds an exception formatter that asks `sysconfig` for the library folders
of every install scheme, about 14 ms of CPU each time on this machine. The dedup stage runs
over a hundred small tasks (a bucket job has one per bucket), so that look-up alone was a
third of its CPU time. The answer cannot change within a process: it is computed once.
"""

from __future__ import annotations

from functools import lru_cache

from loguru import _better_exceptions

_formatter = _better_exceptions.ExceptionFormatter
if not hasattr(_formatter, "_thresher_cached"):
    _lib_dirs = lru_cache(maxsize=1)(lambda original=_formatter._get_lib_dirs: tuple(original()))
    _formatter._get_lib_dirs = staticmethod(lambda: list(_lib_dirs()))
    _formatter._thresher_cached = True
