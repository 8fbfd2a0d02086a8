"""What stops the local stack from starting: said to the developer in one line, not a traceback."""

from __future__ import annotations


class DevStackError(RuntimeError):
    pass
