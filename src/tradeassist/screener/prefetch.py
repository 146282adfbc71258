"""A software prefetch for the scan kernel (LLVM's ``llvm.prefetch``), as numba intrinsics.

The kernel's time goes to cache misses on the per-symbol rows of trades; it
asks for the rows of trades a few records ahead so their loads overlap. A
prefetch never faults and changes no result: it is a hint only. Callable from
compiled code only.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils as _cgutils
from numba.extending import intrinsic

__all__ = ["prefetch2", "prefetch3"]


cgutils: Any = _cgutils  # numba ships no type hints for it


def _codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    arrty = signature.args[0]
    ary = context.make_array(arrty)(context, builder, args[0])
    ptr = cgutils.get_item_pointer(context, builder, arrty, ary, list(args[1:]), wraparound=False)
    i8p = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
    fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
    # read (0), high locality (3), data cache (1)
    builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
    return context.get_dummy_value()


def _typer2(typingctx: Any, arr: Any, i: Any, j: Any) -> Any:
    return types.void(arr, types.intp, types.intp), _codegen


def _typer3(typingctx: Any, arr: Any, i: Any, j: Any, k: Any) -> Any:
    return types.void(arr, types.intp, types.intp, types.intp), _codegen


prefetch2: Any = intrinsic(_typer2)
"""``prefetch2(arr, i, j)``: prefetch the cache line of ``arr[i, j]`` (a 2-D array)."""

prefetch3: Any = intrinsic(_typer3)
"""``prefetch3(arr, i, j, k)``: prefetch the cache line of ``arr[i, j, k]`` (a 3-D array)."""
