"""Numba compilation with an on-disk cache that degrades gracefully.

Compiled kernels are cached under ``~/.cache/tradeassist/numba/<digest>``
(``$XDG_CACHE_HOME`` honoured; ``NUMBA_CACHE_DIR`` overrides), where the digest
covers every module of the screener: numba notices an edit to a kernel's own
file but not to a kernel it calls from another file, so after an update a
cache keyed by one file could run stale code. When no location is writable
numba refuses to build the dispatcher; the kernels then compile in memory on
first use (a few seconds per process) instead of failing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tradeassist.market_calendar import default_cache_dir


def _kernel_cache_dir() -> Path:
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return default_cache_dir() / "numba" / digest.hexdigest()


# Before numba is imported: it reads its settings once, at import.
if "NUMBA_CACHE_DIR" not in os.environ and "numba" not in sys.modules:
    with contextlib.suppress(OSError, RuntimeError):  # no home: numba's own locations
        os.environ["NUMBA_CACHE_DIR"] = str(_kernel_cache_dir())

import numba  # noqa: E402

__all__ = ["inline_kernel", "kernel"]

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """``numba.njit`` with caching when a cache directory is writable, without otherwise."""
    try:
        compiled = numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(cache=False, nogil=True)(fn)
    return compiled  # type: ignore[return-value]


def inline_kernel(fn: F) -> F:
    """:func:`kernel` for a small helper that numba inlines into every kernel calling it.

    A call between compiled functions is a real call that passes each array as
    several arguments; for a helper called per byte or per field that is most
    of its cost.
    """
    return numba.njit(inline="always", nogil=True)(fn)  # type: ignore[return-value]
