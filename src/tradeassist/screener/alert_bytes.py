"""Alerts as the replay contract's JSON lines, written as bytes by a compiled loop.

``encode_set`` turns one :class:`AlertSet` into UTF-8 lines (each ending in a
newline) and the length of each; ``gather_lines`` reorders lines by index.
The text equals ``json.dumps(alert.to_json_dict())`` + newline. A float is
written as its shortest round-trip decimal, which is what ``repr`` (and so
``json.dumps``) writes: for a value of at most 15 significant digits in
[1e-4, 1e15) that decimal is found from the digits of ``rint(|x| * 10^k)``
(checked exact by dividing back, since two decimals of 15 digits never share
a float); every price and rounded figure an alert carries is such a value.
Any other value (and any integer past 2^53) is formatted by Python and copied.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tradeassist.screener.alert_set import AlertSet
from tradeassist.screener.jit import inline_kernel, kernel

__all__ = ["SymbolBytes", "encode_set", "gather_lines"]

Array = Any  # numba kernels take numpy arrays; their dtypes are in the docstrings
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_SCALE = 1e9
_UNDEF_PRICE = int(np.iinfo(np.int64).max)
_NO_HIGH = int(np.iinfo(np.int64).min)
_POW10 = 10.0 ** np.arange(16)
_POW10_INT = 10 ** np.arange(19, dtype=np.int64)
_EXACT_INT = float(2**53)
_NS_PER_DAY = 86_400 * 1_000_000_000
_TIME_WIDTH = 29  # YYYY-MM-DDTHH:MM:SS.nnnnnnnnn

# How a value is written: a float or an integer in place, a text from the pool,
# "null", or nothing at all (a condition that is left out).
_FLOAT, _INT, _POOL, _NULL, _OMIT = 0, 1, 2, 3, 4

# Constant pieces of a line, in order around the fields.
_PIECES = (
    '{"symbol": ',
    ', "alert_type": ',
    ', "trigger_price": ',
    ', "trigger_time": "',
    'Z", "conditions": {',
    '}, "metadata": {"bid": ',
    ', "ask": ',
    ', "spread": ',
    "}}\n",
)
_PIECE_BYTES = np.frombuffer("".join(_PIECES).encode(), np.uint8)
_PIECE_OFFSETS = np.cumsum([0, *(len(p) for p in _PIECES)]).astype(np.int64)


class SymbolBytes:
    """JSON text of each slot's symbol, packed for the kernel (slots only ever grow)."""

    def __init__(self) -> None:
        self._texts: list[bytes] = []
        self.data: U8 = np.zeros(0, np.uint8)
        self.offsets: I64 = np.zeros(1, np.int64)

    def update(self, symbols: Sequence[str]) -> None:
        """Take in the symbols of slots created since the last call."""
        if len(symbols) == len(self._texts):
            return
        self._texts += [json.dumps(s).encode() for s in symbols[len(self._texts) :]]
        self.data, self.offsets = _pack(self._texts)


def _pack(texts: Sequence[bytes]) -> tuple[U8, I64]:
    data = np.frombuffer(b"".join(texts), np.uint8) if texts else np.zeros(0, np.uint8)
    offsets = np.zeros(len(texts) + 1, np.int64)
    np.cumsum([len(t) for t in texts], out=offsets[1:])
    return data, offsets


@inline_kernel
def _copy(out: Array, pos: int, src: Array, start: int, stop: int) -> int:
    at = np.uint64(pos)  # unsigned indices: no wraparound test per byte
    for j in range(np.uint64(start), np.uint64(stop)):
        out[at] = src[j]
        at += np.uint64(1)
    return pos + (stop - start)


@inline_kernel
def _write_digits(out: Array, pos: int, value: int, width: int) -> int:
    """``value`` (>= 0) in exactly ``width`` decimal digits, zero-padded."""
    for j in range(width - 1, -1, -1):
        out[pos + j] = 48 + value % 10
        value //= 10
    return pos + width


@inline_kernel
def _write_int(out: Array, pos: int, value: int) -> int:
    """``value`` (|value| < 2^53) in decimal at ``out[pos:]``; the position after it."""
    if value < 0:
        out[pos] = 45  # "-"
        pos += 1
        value = -value
    width = 1
    rest = value // 10
    while rest > 0:
        width += 1
        rest //= 10
    return _write_digits(out, pos, value, width)


@inline_kernel
def _write_float(out: Array, pos: int, x: float, pow10: Array) -> int:
    """A fast-path float (see the module docstring) as ``repr`` writes it.

    The fewest decimals ``k`` whose rounding gives ``x`` back are ``repr``'s
    digits (for these values); the digits of ``rint(x * 10^k)`` are then
    written right to left with the point ``k`` digits from the end.
    """
    if x < 0:
        out[pos] = 45
        pos += 1
        x = -x
    k = 0
    m = np.rint(x)
    while k < 9 and m / pow10[k] != x:
        k += 1
        m = np.rint(x * pow10[k])
    digits = np.uint64(m)
    width = 1
    rest = digits // np.uint64(10)
    while rest > 0:
        width += 1
        rest //= np.uint64(10)
    if width <= k:  # 0.000123: leading zeros after the point
        width = k + 1
    end = pos + width + 1 + (1 if k == 0 else 0)
    j = end - 1
    if k == 0:  # an integral value: "12.0"
        out[j] = 48
        j -= 1
    for _ in range(k):
        out[j] = 48 + digits % np.uint64(10)
        digits //= np.uint64(10)
        j -= 1
    out[j] = 46  # "."
    j -= 1
    while j >= pos:
        out[j] = 48 + digits % np.uint64(10)
        digits //= np.uint64(10)
        j -= 1
    return end


@inline_kernel
def _write_time(out: Array, pos: int, ts: int) -> int:
    """UTC nanoseconds ``ts`` (>= 0) as ``YYYY-MM-DDTHH:MM:SS.nnnnnnnnn``.

    The date is the proleptic Gregorian civil date of the day count (the
    days-to-civil algorithm on 400-year eras), as numpy's ``datetime_as_string``
    writes it.
    """
    days = ts // _NS_PER_DAY
    rest = ts - days * _NS_PER_DAY
    z = days + 719_468  # days since 0000-03-01
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    seconds = rest // 1_000_000_000
    pos = _write_digits(out, pos, year, 4)
    out[pos] = 45  # "-"
    pos = _write_digits(out, pos + 1, month, 2)
    out[pos] = 45
    pos = _write_digits(out, pos + 1, day, 2)
    out[pos] = 84  # "T"
    pos = _write_digits(out, pos + 1, seconds // 3600, 2)
    out[pos] = 58  # ":"
    pos = _write_digits(out, pos + 1, seconds // 60 % 60, 2)
    out[pos] = 58
    pos = _write_digits(out, pos + 1, seconds % 60, 2)
    out[pos] = 46  # "."
    return _write_digits(out, pos + 1, rest % 1_000_000_000, 9)


@inline_kernel
def _value(
    out: Array, pos: int, x: float, mode: int, pool: Array, pool_offsets: Array, pow10: Array
) -> int:
    if mode == _FLOAT:
        return _write_float(out, pos, x, pow10)
    if mode == _INT:
        return _write_int(out, pos, int(x))
    if mode == _POOL:
        k = int(x)
        return _copy(out, pos, pool, pool_offsets[k], pool_offsets[k + 1])
    out[pos] = 110  # null
    out[pos + 1] = 117
    out[pos + 2] = 108
    out[pos + 3] = 108
    return pos + 4


@kernel
def _encode(
    out: Array,
    lengths: Array,
    slots: Array,
    kinds: Array,
    ts: Array,
    values: Array,
    how: Array,
    pool: Array,
    pool_offsets: Array,
    heads: Array,
    head_offsets: Array,
    symbols: Array,
    symbol_offsets: Array,
    types: Array,
    type_offsets: Array,
    pieces: Array,
    piece_offsets: Array,
    pow10: Array,
) -> int:
    """Write each row's line into ``out``; returns the bytes written.

    ``values``/``how`` are ``(rows, columns)``: the trigger price, the conditions,
    then bid, ask and spread; ``how`` says how each is written (``_FLOAT`` ...).
    A ``_POOL`` entry's ``values`` holds its index into ``pool_offsets``.
    """
    pos = 0
    n_conds = values.shape[1] - 4
    po = piece_offsets
    for i in range(values.shape[0]):
        start = pos
        pos = _copy(out, pos, pieces, po[0], po[1])
        pos = _copy(out, pos, symbols, symbol_offsets[slots[i]], symbol_offsets[slots[i] + 1])
        pos = _copy(out, pos, pieces, po[1], po[2])
        pos = _copy(out, pos, types, type_offsets[kinds[i]], type_offsets[kinds[i] + 1])
        pos = _copy(out, pos, pieces, po[2], po[3])
        pos = _value(out, pos, values[i, 0], how[i, 0], pool, pool_offsets, pow10)
        pos = _copy(out, pos, pieces, po[3], po[4])
        pos = _write_time(out, pos, ts[i])
        pos = _copy(out, pos, pieces, po[4], po[5])
        written = False
        for j in range(1, n_conds + 1):
            if how[i, j] == _OMIT:
                continue
            if written:
                out[pos] = 44  # ", "
                out[pos + 1] = 32
                pos += 2
            pos = _copy(out, pos, heads, head_offsets[j - 1], head_offsets[j])
            pos = _value(out, pos, values[i, j], how[i, j], pool, pool_offsets, pow10)
            written = True
        for q in range(3):  # bid, ask, spread
            pos = _copy(out, pos, pieces, po[5 + q], po[6 + q])
            col = n_conds + 1 + q
            pos = _value(out, pos, values[i, col], how[i, col], pool, pool_offsets, pow10)
        pos = _copy(out, pos, pieces, po[8], po[9])
        lengths[i] = pos - start
    return pos


@kernel
def _gather(out: Array, src: Array, offsets: Array, lengths: Array, order: Array) -> int:
    pos = 0
    for i in order:
        pos = _copy(out, pos, src, offsets[i], offsets[i] + lengths[i])
    return pos


def gather_lines(data: U8, lengths: I64, order: I64, out: U8 | None = None) -> U8:
    """The lines of ``data`` (consecutive, of ``lengths`` bytes) in ``order``.

    Written into ``out`` when it is large enough (the result is a view of it).
    """
    offsets = np.zeros(lengths.shape[0], np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    if out is None or out.shape[0] < data.shape[0]:
        out = np.empty(data.shape[0], np.uint8)
    used = _gather(out, data, offsets, lengths, order)
    return out[:used]


def _defined(prices: I64) -> npt.NDArray[np.bool_]:
    ok: npt.NDArray[np.bool_] = (prices != _UNDEF_PRICE) & (prices != _NO_HIGH)
    return ok


def _float_modes(values: F64) -> npt.NDArray[np.int8]:
    """``_FLOAT`` where the compiled writer gives ``repr``'s text, ``_POOL`` elsewhere."""
    ax = np.abs(values)
    with np.errstate(invalid="ignore", over="ignore"):
        digits = np.maximum(np.searchsorted(_POW10, ax, side="right"), 1)
        scale = _POW10[np.clip(15 - digits, 0, 9)]
        fast = (
            (ax < 1e15)
            & ((ax >= 1e-4) | ((values == 0) & ~np.signbit(values)))
            & (np.rint(ax * scale) / scale == ax)
        )
    return np.where(fast, _FLOAT, _POOL).astype(np.int8)


def encode_set(alerts: AlertSet, symbols: SymbolBytes, out: U8 | None = None) -> tuple[U8, I64]:
    """The set's alerts as contract JSON lines, in set order, and each line's length.

    The text is written into ``out`` when it is large enough (the result is then
    a view of it, valid until ``out`` is reused), else into a new array.
    """
    n = len(alerts)
    if n == 0:
        return np.zeros(0, np.uint8), np.zeros(0, np.int64)
    columns = [np.asarray(alerts.conditions[k]) for k in alerts.conditions]
    if any(c.dtype.kind not in "fiu" for c in columns):
        texts = [(line + "\n").encode() for line in alerts.json_lines(_json_symbols(symbols))]
        return np.frombuffer(b"".join(texts), np.uint8), np.array([len(t) for t in texts])
    ok_bid, ok_ask = _defined(alerts.bid), _defined(alerts.ask)
    both = ok_bid & ok_ask
    quotes = [
        (alerts.bid, ok_bid),
        (alerts.ask, ok_ask),
        (np.where(both, alerts.ask - alerts.bid, 0), both),
    ]
    cols = 1 + len(columns) + 3
    values = np.empty((n, cols), np.float64)
    how = np.empty((n, cols), np.int8)
    pool: list[bytes] = []

    def put(col: int, floats: F64, shown: npt.NDArray[np.bool_], hidden: int) -> None:
        values[:, col] = floats
        how[:, col] = np.where(shown, _float_modes(floats), hidden)
        for i in np.flatnonzero(how[:, col] == _POOL).tolist():
            values[i, col] = len(pool)
            pool.append(repr(float(floats[i])).encode())

    put(0, np.where(_defined(alerts.price), alerts.price, 0) / _SCALE, np.ones(n, np.bool_), 0)
    for j, column in enumerate(columns, start=1):
        if column.dtype.kind == "f":
            floats = column.astype(np.float64)
            put(j, floats, np.isfinite(floats), _OMIT)
            continue
        exact = np.abs(column.astype(np.float64)) < _EXACT_INT
        values[:, j] = column
        how[:, j] = np.where(exact, _INT, _POOL)
        for i in np.flatnonzero(~exact).tolist():
            values[i, j] = len(pool)
            pool.append(str(int(column[i])).encode())
    for j, (prices, ok) in enumerate(quotes, start=1 + len(columns)):
        put(j, np.where(ok, prices, 0) / _SCALE, ok, _NULL)
    pool_data, pool_offsets = _pack(pool)
    heads, head_offsets = _pack([(json.dumps(k) + ": ").encode() for k in alerts.conditions])
    types, type_offsets = _pack([json.dumps(t).encode() for t in alerts.alert_types])
    widest = sum(len(p) for p in _PIECES) + _TIME_WIDTH + 4 + int(heads.shape[0])
    widest += int(np.diff(symbols.offsets).max()) + int(np.diff(type_offsets).max())
    widest += cols * (30 + (int(np.diff(pool_offsets).max()) if pool else 0))
    if out is None or out.shape[0] < n * widest:
        out = np.empty(n * widest, np.uint8)
    lengths = np.empty(n, np.int64)
    used = _encode(
        out,
        lengths,
        alerts.slot,
        alerts.kinds,
        alerts.ts,
        values,
        how,
        pool_data,
        pool_offsets,
        heads,
        head_offsets,
        symbols.data,
        symbols.offsets,
        types,
        type_offsets,
        _PIECE_BYTES,
        _PIECE_OFFSETS,
        _POW10,
    )
    return out[:used], lengths


def _json_symbols(symbols: SymbolBytes) -> list[str]:
    data = symbols.data.tobytes()
    offsets = symbols.offsets.tolist()
    return [data[a:b].decode() for a, b in itertools.pairwise(offsets)]
