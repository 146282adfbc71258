"""A hint to the CPU to start loading a row of an array, for compiled kernels.

The engine's per-record loops are bound by memory latency, not arithmetic:
each record looks up its symbol's slot and then the slot's state rows, and
with 9,000 symbols those rows do not all fit in the core's own cache. The
records ahead in a batch say which rows will be needed next, so a loop asks
for them a few records early (``prefetch_row``) and finds them loaded when it
gets there. A prefetch never faults and changes no value, only timing.

numba is imported only when a kernel using it is compiled (``make install``'s
build, or numba at run time): precompiled kernels never import it.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["prefetch", "prefetch_row"]

_READ = 0  # llvm.prefetch's rw argument: for reading (the lines are then written too)
_KEEP = 3  # temporal locality: keep in every cache level
_DATA = 1  # the data cache


def _build(columns: bool) -> Any:
    from llvmlite import ir
    from numba.core import cgutils as untyped_cgutils
    from numba.core import types
    from numba.core.extending import intrinsic

    cgutils: Any = untyped_cgutils  # numba's helpers carry no annotations

    def typer(typingctx: Any, arr: Any, *at: Any) -> Any:
        if not isinstance(arr, types.Array) or arr.ndim < len(at):
            return None
        if not all(isinstance(index, types.Integer) for index in at):
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            array_type = signature.args[0]
            array = context.make_array(array_type)(context, builder, args[0])
            indices = [
                context.cast(builder, value, index_type, types.intp)
                for value, index_type in zip(args[1:], signature.args[1:], strict=True)
            ]
            zero = context.get_constant(types.intp, 0)
            indices += [zero] * (array_type.ndim - len(indices))
            pointer = cgutils.get_item_pointer(
                context, builder, array_type, array, indices, wraparound=False, boundscheck=False
            )
            byte_pointer = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            hint = cgutils.get_or_insert_function(
                builder.module,
                ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
                "llvm.prefetch.p0",
            )
            address = builder.bitcast(pointer, byte_pointer)
            builder.call(hint, [address, i32(_READ), i32(_KEEP), i32(_DATA)])
            return context.get_dummy_value()

        return types.void(arr, *at), codegen

    if columns:

        def prefetch(typingctx: Any, arr: Any, row: Any, column: Any) -> Any:
            return typer(typingctx, arr, row, column)

        return intrinsic(prefetch)

    def prefetch_row(typingctx: Any, arr: Any, row: Any) -> Any:
        return typer(typingctx, arr, row)

    return intrinsic(prefetch_row)


class _Prefetch:
    """A prefetch as compiled kernels see it: numba's intrinsic, through
    ``_numba_type_``, built on first use. Called from Python it does nothing,
    which is all a prefetch means to a result.
    """

    def __init__(self, columns: bool) -> None:
        self._columns = columns
        self._intrinsic: Any = None
        self._lock = threading.Lock()

    def __call__(self, arr: Any, *at: int) -> None:
        return None

    @property
    def _numba_type_(self) -> Any:
        from numba.core.registry import cpu_target

        with self._lock:
            if self._intrinsic is None:
                self._intrinsic = _build(self._columns)
        context = cpu_target.typing_context
        context.refresh()
        return context.resolve_value_type(self._intrinsic)


prefetch_row = _Prefetch(columns=False)
"""``prefetch_row(arr, row)``: start loading the cache line of ``arr[row, 0, ...]``."""
prefetch = _Prefetch(columns=True)
"""``prefetch(arr, row, column)``: start loading the cache line of ``arr[row, column]``."""
