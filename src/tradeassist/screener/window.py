"""The trailing volume window of a symbol: a queue of (second, shares), O(1) per trade."""

from __future__ import annotations

from typing import Any

from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import (
    S_NEWEST,
    S_WINDOW,
    WINDOW_HEAD_MASK,
    WINDOW_LEN_MASK,
    WINDOW_LEN_SHIFT,
    WINDOW_SUM_BITS,
)

__all__ = ["window_add"]

Array = Any  # numpy arrays; dtypes in the docstrings
_SUM_MASK = (1 << WINDOW_SUM_BITS) - 1
_SECOND_MASK = (1 << 32) - 1  # S_NEWEST: the newest second (bits 0-31) ...
_ONLY_ENTRY_HERE = 1 << 32  # ... and whether the queue's only entry is (S_NEWEST, the sum)


@kernel
def window_add(st: Array, queue: Array, s: int, second: int, size: int, width: int) -> int:
    """Add ``size`` shares at ``second`` to the symbol's trailing window; its new sum.

    The window holds the newest second seen and the ``width - 1`` before it, as a
    queue of (second, shares) in ascending seconds (``queue[s, entry, 0|1]``,
    int32, seconds counted from the day's 04:00): each entry is pushed and
    expired once, so a trade costs O(1) amortised. A trade older than the window
    counts for the day's volume only.

    The newest second is also kept in the symbol's state row, so that a trade
    arriving after the whole window has expired (most trades of most symbols)
    restarts the window without touching the queue: the queue is the state's
    largest array, and each access to it costs a cache miss. That lone entry
    stays in the row (its shares are the sum) until a trade inside the window
    needs the queue. Seconds are non-negative (counted from 04:00).
    """
    mask = queue.shape[1] - 1
    packed = st[s, S_WINDOW]
    head = (packed >> WINDOW_SUM_BITS) & WINDOW_HEAD_MASK
    n = (packed >> WINDOW_LEN_SHIFT) & WINDOW_LEN_MASK
    word = st[s, S_NEWEST]
    newest = (word & _SECOND_MASK) if n > 0 else second
    if newest <= second - width or n == 0:  # everything in the queue has expired
        st[s, S_NEWEST] = second | _ONLY_ENTRY_HERE
        st[s, S_WINDOW] = size | (head << WINDOW_SUM_BITS) | (1 << WINDOW_LEN_SHIFT)
        return int(size)
    total = packed & _SUM_MASK
    if word & _ONLY_ENTRY_HERE:  # the queue's one entry, written out before it is read
        queue[s, head, 0] = newest
        queue[s, head, 1] = total
        st[s, S_NEWEST] = newest
    anchor = max(second, newest)
    while n > 0 and queue[s, head, 0] <= anchor - width:
        total -= queue[s, head, 1]
        head = (head + 1) & mask
        n -= 1
    if second > anchor - width:
        tail = (head + n - 1) & mask
        if n > 0 and queue[s, tail, 0] == second:
            queue[s, tail, 1] += size
        elif n == 0 or queue[s, tail, 0] < second:
            tail = (head + n) & mask
            queue[s, tail, 0] = second
            queue[s, tail, 1] = size
            st[s, S_NEWEST] = second
            n += 1
        else:  # out of order inside the window (rare): keep the queue sorted
            j = n - 1
            while j > 0 and queue[s, (head + j - 1) & mask, 0] >= second:
                j -= 1
            at = (head + j) & mask
            if queue[s, at, 0] == second:
                queue[s, at, 1] += size
            else:
                for k in range(n, j, -1):
                    queue[s, (head + k) & mask, 0] = queue[s, (head + k - 1) & mask, 0]
                    queue[s, (head + k) & mask, 1] = queue[s, (head + k - 1) & mask, 1]
                queue[s, at, 0] = second
                queue[s, at, 1] = size
                n += 1
        total += size
    st[s, S_WINDOW] = total | (head << WINDOW_SUM_BITS) | (n << WINDOW_LEN_SHIFT)
    return int(total)
