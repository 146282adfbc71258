"""Numba compilation with an on-disk cache that degrades gracefully.

``cache=True`` writes compiled kernels next to their source (``__pycache__``)
or, when that is read-only, to numba's user cache directory (``NUMBA_CACHE_DIR``
overrides both). When no location is writable numba refuses to build the
dispatcher; the kernels then compile in memory on first use (a few seconds per
process) instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

__all__ = ["kernel"]

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """``numba.njit`` with caching when a cache directory is writable, without otherwise."""
    try:
        compiled = numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(cache=False, nogil=True)(fn)
    return compiled  # type: ignore[return-value]
