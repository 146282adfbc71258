"""The screener's compiled kernels: ahead-of-time when built, else numba at run time.

Two ways a kernel runs, decided once per process when this module is imported:

- **Precompiled** (``make install`` builds it, ``python -m
  tradeassist.screener.precompile`` rebuilds it): every kernel was
  compiled ahead of time by numba into one extension module, kept under
  ``~/.cache/tradeassist/kernels/<digest>`` (``$XDG_CACHE_HOME`` honoured),
  where the digest covers every module of the screener, the Python ABI and the
  numpy version, so an edited screener never runs stale code. Loading it takes
  a millisecond and numba is not imported at all (importing numba and loading
  its own cache cost about 0.4 s per process). A call picks the compiled
  variant whose argument types match exactly (dtype, dimensions, layout,
  writability), checked before the call because a compiled variant does not
  check them itself; a call no variant fits compiles that kernel with numba
  instead (listed in :data:`FALLBACKS`), so nothing ever fails for want of a
  variant.
- **Just in time** (no precompiled module for these sources, or
  ``TRADEASSIST_KERNELS=jit``): ``numba.njit`` with an on-disk cache under
  ``~/.cache/tradeassist/numba/<digest>`` (``NUMBA_CACHE_DIR`` overrides).
  numba notices an edit to a kernel's own file but not to a kernel it calls
  from another file, hence the digest. When no location is writable the
  kernels compile in memory on first use (a few seconds per process).

Either way the kernels are compiled without numba's reference counting (its
NRT): they allocate nothing and return no arrays, and with it every array
handed to an inlined helper was counted, with atomic operations, on each
call (about a sixth of the scan's time under perf). A kernel that allocates
does not compile ("NRT required but not enabled"): it takes its arrays from
the caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from tradeassist.market_calendar import default_cache_dir

__all__ = [
    "FALLBACKS",
    "MODULE_NAME",
    "inline_kernel",
    "kernel",
    "kernels",
    "precompiled_dir",
    "precompiled_in_use",
    "sources_digest",
]

F = TypeVar("F", bound=Callable[..., Any])

MODULE_NAME = "tradeassist_kernels"  # the extension module's name (its init symbol)
MANIFEST = "manifest.json"
MODE_VARIABLE = "TRADEASSIST_KERNELS"  # "jit" forces numba at run time
FALLBACKS: list[str] = []  # kernels numba compiled because no precompiled variant fitted a call


def sources_digest() -> str:
    """A digest of every module of the screener (names and contents)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_DIGEST = sources_digest()


def precompiled_dir() -> Path:
    """Where the precompiled kernels of these sources live (or would)."""
    tag = f"{_DIGEST}-{sys.implementation.cache_tag}-np{np.__version__}"
    return default_cache_dir() / "kernels" / tag


# --- which way, decided once ---------------------------------------------------------
def _load_precompiled() -> tuple[Any, dict[str, list[dict[str, Any]]]] | None:
    """The precompiled module and its manifest, if built for exactly these sources."""
    if os.environ.get(MODE_VARIABLE) == "jit":
        return None
    with contextlib.suppress(OSError, RuntimeError, ValueError, ImportError):
        directory = precompiled_dir()
        manifest = json.loads((directory / MANIFEST).read_text())
        path = directory / manifest["file"]
        spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module, manifest["kernels"]
    return None


_PRECOMPILED = _load_precompiled()
if "NUMBA_CACHE_DIR" not in os.environ and "numba" not in sys.modules:
    # Before numba is imported (if it ever is): it reads its settings once, at import.
    with contextlib.suppress(OSError, RuntimeError):  # no home: numba's own locations
        os.environ["NUMBA_CACHE_DIR"] = str(default_cache_dir() / "numba" / _DIGEST)


def precompiled_in_use() -> bool:
    return _PRECOMPILED is not None


# --- numba at run time ------------------------------------------------------------------
def _njit(fn: Callable[..., Any], inline: bool) -> Any:
    import numba

    if inline:
        return numba.njit(inline="always", nogil=True)(fn)
    options: dict[str, Any] = {"nogil": True, "_nrt": False}  # no NRT: see the docstring
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(cache=False, **options)(fn)


# --- precompiled ---------------------------------------------------------------------------
def _array_spec(value: np.ndarray[Any, Any]) -> tuple[str, int, str, bool]:
    flags = value.flags
    layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
    return value.dtype.str, value.ndim, layout, bool(flags.writeable)


def _fits(spec: Sequence[Any], value: Any) -> bool:
    """Whether ``value`` is what the compiled variant's argument ``spec`` takes."""
    kind = spec[0]
    if kind == "array":
        if not isinstance(value, np.ndarray):
            return False
        dtype, ndim, layout, writeable = _array_spec(value)
        return (
            dtype == spec[1]
            and ndim == spec[2]
            and (layout == spec[3] or spec[3] == "A")
            and (writeable or spec[4])  # spec[4]: the variant only reads it
        )
    if kind == "bool":
        return isinstance(value, bool | np.bool_)
    if kind == "int64":
        return isinstance(value, int | np.int64) and not isinstance(value, bool)
    if kind == "float64":
        return isinstance(value, float | np.float64)
    return False


class _Kernel:
    """A kernel of the precompiled module, or numba's when no variant fits a call.

    To numba (compiling a kernel that calls this one, after a fallback) it is
    the numba dispatcher of the same function, through ``_numba_type_``.
    """

    def __init__(self, fn: Callable[..., Any], inline: bool, variants: list[Any]) -> None:
        self.py_func = fn
        self._inline = inline
        self._variants = variants  # [(argument specs, compiled function)]
        self._dispatcher: Any = None
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    def __call__(self, *args: Any) -> Any:
        for specs, compiled in self._variants:
            if len(specs) == len(args) and all(map(_fits, specs, args)):
                return compiled(*args)
        if self.__name__ not in FALLBACKS:
            FALLBACKS.append(self.__name__)
        return self.dispatcher()(*args)

    def dispatcher(self) -> Any:
        with _LOCK:
            if self._dispatcher is None:
                self._dispatcher = _njit(self.py_func, self._inline)
            return self._dispatcher

    @property
    def _numba_type_(self) -> Any:
        from numba.core import types

        return types.Dispatcher(self.dispatcher())


_LOCK = threading.RLock()
_KERNELS: dict[str, Any] = {}  # "module.qualname" -> what the decorator returned


def _register(fn: Callable[..., Any], inline: bool) -> Any:
    key = f"{fn.__module__}.{fn.__qualname__}"
    if _PRECOMPILED is None:
        compiled = _njit(fn, inline)
    else:
        module, manifest = _PRECOMPILED
        variants = [
            (
                [tuple(arg) for arg in entry["args"]],
                getattr(module, entry["name"]),
            )
            for entry in manifest.get(key, [])
        ]
        compiled = _Kernel(fn, inline, variants)
    _KERNELS[key] = compiled
    return compiled


def kernel(fn: F) -> F:
    """A compiled kernel (see the module docstring for which way it runs)."""
    return _register(fn, inline=False)  # type: ignore[no-any-return]


def inline_kernel(fn: F) -> F:
    """:func:`kernel` for a small helper that numba inlines into every kernel calling it.

    A call between compiled functions is a real call that passes each array as
    several arguments; for a helper called per byte or per field that is most
    of its cost.
    """
    return _register(fn, inline=True)  # type: ignore[no-any-return]


def kernels() -> dict[str, Any]:
    """Every kernel defined so far, by ``module.qualname``."""
    return dict(_KERNELS)
