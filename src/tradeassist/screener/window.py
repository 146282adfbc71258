"""The trailing volume window of a symbol: a queue of (second, shares), O(1) per trade.

The queue holds one entry per distinct second in the window, in ascending
seconds, each packed in one int64 (second in bits 40-63, shares in bits 0-39).
Its first ``ROW_RING`` entries live in a ring inside the symbol's state row,
which the trade touches anyway; only a symbol with more distinct seconds than
that in its window moves its entries to the large per-symbol queue. Most
symbols trade a few times a minute at most, so most trades never touch the
large queue, whose every access is a cache miss.
"""

from __future__ import annotations

from typing import Any

from tradeassist.screener.jit import inline_kernel
from tradeassist.screener.layout import (
    ROW_RING,
    S_NEWEST,
    S_RING,
    S_WINDOW,
    WINDOW_HEAD_MASK,
    WINDOW_LEN_MASK,
    WINDOW_LEN_SHIFT,
    WINDOW_SUM_BITS,
)

__all__ = ["window_add"]

Array = Any  # numpy arrays; dtypes in the docstrings
_SUM_MASK = (1 << WINDOW_SUM_BITS) - 1
_ENTRY_SHIFT = 40  # an entry: second << 40 | shares
_SHARES_MASK = (1 << _ENTRY_SHIFT) - 1
_SECOND_MASK = (1 << 32) - 1  # S_NEWEST: the newest second (bits 0-31) ...
_IN_QUEUE = 1 << 32  # ... and whether the entries are in the large queue, not the row


@inline_kernel
def _expire(
    ring: Array, s: int, base: int, mask: int, head: int, n: int, total: int, oldest: int
) -> tuple[int, int, int]:
    """Drop the ring's entries at seconds before ``oldest``: (head, length, sum)."""
    while n > 0 and (ring[s, base + head] >> _ENTRY_SHIFT) < oldest:
        total -= ring[s, base + head] & _SHARES_MASK
        head = (head + 1) & mask
        n -= 1
    return head, n, total


@inline_kernel
def _insert(
    ring: Array, s: int, base: int, mask: int, head: int, n: int, second: int, size: int
) -> int:
    """Add ``size`` shares at ``second`` (room for one more entry is assumed); the new length."""
    tail = (head + n - 1) & mask
    last = ring[s, base + tail] >> _ENTRY_SHIFT
    if n > 0 and last == second:
        ring[s, base + tail] += size
        return n
    if n == 0 or last < second:
        ring[s, base + ((head + n) & mask)] = (second << _ENTRY_SHIFT) | size
        return n + 1
    # out of order inside the window (rare): keep the entries sorted by second
    j = n - 1
    while j > 0 and (ring[s, base + ((head + j - 1) & mask)] >> _ENTRY_SHIFT) >= second:
        j -= 1
    at = base + ((head + j) & mask)
    if (ring[s, at] >> _ENTRY_SHIFT) == second:
        ring[s, at] += size
        return n
    for k in range(n, j, -1):
        ring[s, base + ((head + k) & mask)] = ring[s, base + ((head + k - 1) & mask)]
    ring[s, at] = (second << _ENTRY_SHIFT) | size
    return n + 1


@inline_kernel
def window_add(st: Array, queue: Array, s: int, second: int, size: int, width: int) -> int:
    """Add ``size`` shares at ``second`` to the symbol's trailing window; its new sum.

    The window holds the newest second seen and the ``width - 1`` before it
    (seconds counted from the day's 04:00, so never negative). ``st`` is the
    int64 state matrix (the row ring at ``S_RING``), ``queue`` the large int64
    queue, ``(slots, 2^k >= width)``. A trade older than the window counts for
    the day's volume only.
    """
    packed = st[s, S_WINDOW]
    n = (packed >> WINDOW_LEN_SHIFT) & WINDOW_LEN_MASK
    word = st[s, S_NEWEST]
    newest = word & _SECOND_MASK
    if n == 0 or newest <= second - width:  # everything has expired: restart in the row
        st[s, S_RING] = (second << _ENTRY_SHIFT) | size
        st[s, S_NEWEST] = second
        st[s, S_WINDOW] = size | (1 << WINDOW_LEN_SHIFT)
        return int(size)
    head = (packed >> WINDOW_SUM_BITS) & WINDOW_HEAD_MASK
    total = packed & _SUM_MASK
    anchor = max(second, newest)
    in_queue = (word & _IN_QUEUE) != 0
    if in_queue:
        head, n, total = _expire(
            queue, s, 0, queue.shape[1] - 1, head, n, total, anchor - width + 1
        )
    else:
        head, n, total = _expire(st, s, S_RING, ROW_RING - 1, head, n, total, anchor - width + 1)
    if second > anchor - width:
        if not in_queue and n == ROW_RING:  # the row ring is full: move to the large queue
            for k in range(n):
                queue[s, k] = st[s, S_RING + ((head + k) & (ROW_RING - 1))]
            head, in_queue = 0, True
        if in_queue:
            n = _insert(queue, s, 0, queue.shape[1] - 1, head, n, second, size)
        else:
            n = _insert(st, s, S_RING, ROW_RING - 1, head, n, second, size)
        total += size
    st[s, S_NEWEST] = anchor | (_IN_QUEUE if in_queue else 0)
    st[s, S_WINDOW] = total | (head << WINDOW_SUM_BITS) | (n << WINDOW_LEN_SHIFT)
    return int(total)
