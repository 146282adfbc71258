"""The engine's compiled per-record loops (numba).

``scan_records`` walks a batch in file order (each 80-byte MBP-1 record seen
as ten little-endian int64 words, so one base pointer serves every field),
updates the per-symbol state (quotes, volumes, VWAP, highs and lows, the volume
window, one-minute bars) and writes one row per trade with the figures
detectors share. Because it is a sequential loop whose whole state lives in
arrays that persist between calls, where a stream is cut into batches cannot
change any result.

Units: prices are Databento fixed-point integers (1e-9 dollars), times UTC
nanoseconds, volumes shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.screener.bar_kernel import flush_bars
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import (
    ACTION_TRADE,
    B_ELIGIBLE,
    B_PRINT,
    BARS_FULL,
    C_MINUTE,
    C_NEXT_MINUTE,
    C_TS,
    DONE,
    F_BAD_TS_RECV,
    F_MAYBE_BAD_BOOK,
    NEW_DAY,
    NO_HIGH,
    NO_LOW,
    NS_PER_MINUTE,
    NS_PER_SECOND,
    P_AFTER_HOURS_CLOSE,
    P_BARS,
    P_CLOSE,
    P_DAY_END,
    P_LATE_NS,
    P_MIN_DAY_VOLUME,
    P_MIN_PRICE,
    P_MIN_TRADE_SIZE,
    P_OPEN,
    P_PREMARKET_OPEN,
    P_WINDOW_SECONDS,
    PHASE_AFTER_HOURS,
    PHASE_PREMARKET,
    PHASE_REGULAR,
    PV_DIVISOR,
    Q_ASK,
    Q_BID,
    Q_LAST_PRINT,
    R_ASK,
    R_BID,
    R_DAY_VOLUME,
    R_HIGH,
    R_LOW,
    R_PM_HIGH,
    R_PRICE,
    R_RECORD,
    R_SIZE,
    R_SLOT,
    R_TS,
    R_WINDOW_VOLUME,
    S_DAY_VOLUME,
    S_HIGH,
    S_LOW,
    S_PM_HIGH,
    S_REG_PV,
    S_REG_VOLUME,
    S_RING,
    T_CLOSE,
    T_HIGH,
    T_LOW,
    T_MINUTE,
    T_OPEN,
    T_PV,
    T_TRADES,
    T_VOLUME,
    UNDEF_PRICE,
    W_ASK,
    W_BID,
    W_HEADER,
    W_PRICE,
    W_SIZE_ACTION_FLAGS,
    W_TS_EVENT,
    W_TS_RECV,
)
from tradeassist.screener.prefetch import prefetch, prefetch_row
from tradeassist.screener.window import window_add

__all__ = ["scan_records"]

SLOT_AHEAD = 16  # records ahead whose slot is looked up early (its id_table line)
ROW_AHEAD = 8  # records ahead whose state rows are loaded early

Array = Any  # numba kernels take numpy arrays; their dtypes are in the docstrings


@kernel
def scan_records(
    rec: Array,
    start: int,
    id_table: Array,
    prm: Array,
    max_spread_pct: float,
    st: Array,
    qt: Array,
    bt: Array,
    queue: Array,
    clock: Array,
    rows: Array,
    vwap: Array,
    row_flags: Array,
    phases: Array,
    bars: Array,
) -> tuple[int, int, int, int]:
    """Process records ``start..`` until the end, a new day or a full bar buffer.

    ``rec`` is the batch as an ``(n, 10)`` int64 array of MBP-1 words; ``qt`` holds
    each slot's last trusted (bid, ask), apart from ``st`` so that quotes, most
    of the records, touch a small array that stays in cache.

    Returns ``(next_index, reason, trade_rows, bars)``; the record at
    ``next_index`` has not been touched when ``reason`` is NEW_DAY or BARS_FULL.
    """
    n_rows = 0
    n_bars = 0
    n_ids = id_table.shape[0]
    day_end = prm[P_DAY_END]
    pm_open = prm[P_PREMARKET_OPEN]
    open_ns = prm[P_OPEN]
    close_ns = prm[P_CLOSE]
    ah_close = prm[P_AFTER_HOURS_CLOSE]
    min_size = prm[P_MIN_TRADE_SIZE]
    late_ns = prm[P_LATE_NS]
    min_price = prm[P_MIN_PRICE]
    min_day_volume = prm[P_MIN_DAY_VOLUME]
    build_bars = prm[P_BARS] != 0
    window = prm[P_WINDOW_SECONDS]
    clock_ts = clock[C_TS]
    next_minute = clock[C_NEXT_MINUTE]
    n_rec = rec.shape[0]
    for i in range(start, n_rec):
        # Memory, not arithmetic, is what a record costs: ask for the lines the
        # records ahead will need (their slot, then their slot's rows) now.
        if i + SLOT_AHEAD < n_rec:
            ahead_id = (rec[i + SLOT_AHEAD, W_HEADER] >> 32) & 0xFFFFFFFF
            if ahead_id < n_ids:
                prefetch_row(id_table, ahead_id)
        if i + ROW_AHEAD < n_rec:
            ahead_id = (rec[i + ROW_AHEAD, W_HEADER] >> 32) & 0xFFFFFFFF
            if ahead_id < n_ids:
                ahead_slot = id_table[ahead_id]
                if ahead_slot >= 0:
                    prefetch_row(qt, ahead_slot)
                    w3_ahead = rec[i + ROW_AHEAD, W_SIZE_ACTION_FLAGS]
                    if ((w3_ahead >> 32) & 0xFF) == ACTION_TRADE:
                        prefetch_row(st, ahead_slot)
                        prefetch(st, ahead_slot, S_RING)
        t = rec[i, W_TS_EVENT]
        if t >= day_end:
            clock[C_TS] = clock_ts
            return i, NEW_DAY, n_rows, n_bars
        if t < pm_open or t >= ah_close:
            continue  # outside 04:00-20:00 ET (or no session): updates nothing
        w0 = rec[i, W_HEADER]
        iid = (w0 >> 32) & 0xFFFFFFFF  # instrument_id: bytes 4-7
        if iid >= n_ids:
            continue
        s = id_table[iid]
        if s < 0:
            continue
        if t > clock_ts:
            if build_bars and t >= next_minute:
                if n_bars + bt.shape[0] > bars.shape[0]:
                    clock[C_TS] = clock_ts
                    return i, BARS_FULL, n_rows, n_bars
                minute = t // NS_PER_MINUTE
                n_bars = flush_bars(minute, qt, bt, bars, n_bars)
                clock[C_MINUTE] = minute
                next_minute = (minute + 1) * NS_PER_MINUTE
                clock[C_NEXT_MINUTE] = next_minute
            clock_ts = t
        w3 = rec[i, W_SIZE_ACTION_FLAGS]
        fl = (w3 >> 48) & 0xFF  # flags: byte 30
        bad_book = (fl & F_MAYBE_BAD_BOOK) != 0
        if not bad_book and (w0 & 0xFF00) != 0:  # rtype (byte 1) 0: trades, no book
            qt[s, Q_BID] = rec[i, W_BID]
            qt[s, Q_ASK] = rec[i, W_ASK]
        p = rec[i, W_PRICE]
        if ((w3 >> 32) & 0xFF) != ACTION_TRADE or p == UNDEF_PRICE:  # action: byte 28
            continue
        sz = w3 & 0xFFFFFFFF  # size: bytes 24-27
        phase = np.int8(PHASE_AFTER_HOURS)  # typed, not three literals to unify
        if t < open_ns:
            phase = np.int8(PHASE_PREMARKET)
        elif t < close_ns:
            phase = np.int8(PHASE_REGULAR)
        late = (fl & F_BAD_TS_RECV) == 0 and rec[i, W_TS_RECV] - t > late_ns
        is_print = sz >= min_size and not late
        day_volume = st[s, S_DAY_VOLUME] + sz
        st[s, S_DAY_VOLUME] = day_volume
        window_volume = window_add(st, queue, s, (t - pm_open) // NS_PER_SECOND, sz, window)
        bid = qt[s, Q_BID]
        ask = qt[s, Q_ASK]
        eligible = is_print and p >= min_price and day_volume >= min_day_volume
        quoted = bid != UNDEF_PRICE and ask != UNDEF_PRICE and bid + ask > 0
        if eligible and max_spread_pct > 0.0 and not bad_book and quoted:
            mid = (float(bid) + float(ask)) / 2.0
            eligible = float(ask - bid) * 100.0 <= max_spread_pct * mid
        high = st[s, S_HIGH]
        low = st[s, S_LOW]
        reg_volume = st[s, S_REG_VOLUME]
        reg_pv = st[s, S_REG_PV]
        r = n_rows
        rows[R_RECORD, r] = i
        rows[R_SLOT, r] = s
        rows[R_TS, r] = t
        rows[R_PRICE, r] = p
        rows[R_SIZE, r] = sz
        rows[R_HIGH, r] = high
        rows[R_LOW, r] = low
        rows[R_PM_HIGH, r] = st[s, S_PM_HIGH]
        rows[R_DAY_VOLUME, r] = day_volume
        rows[R_WINDOW_VOLUME, r] = window_volume
        rows[R_BID, r] = bid
        rows[R_ASK, r] = ask
        vwap[r] = reg_pv * float(PV_DIVISOR) / reg_volume if reg_volume > 0 else np.nan
        row_flags[B_PRINT, r] = is_print
        row_flags[B_ELIGIBLE, r] = eligible
        phases[r] = phase
        n_rows += 1
        pv = (p // PV_DIVISOR) * sz
        if phase == PHASE_REGULAR:
            st[s, S_REG_PV] = reg_pv + pv
            st[s, S_REG_VOLUME] = reg_volume + sz
            if is_print:
                if p > high:
                    st[s, S_HIGH] = p
                if p < low:
                    st[s, S_LOW] = p
        elif phase == PHASE_PREMARKET and is_print and p > st[s, S_PM_HIGH]:
            st[s, S_PM_HIGH] = p
        if is_print:
            qt[s, Q_LAST_PRINT] = p
        if build_bars:
            if bt[s, T_MINUTE] != clock[C_MINUTE]:
                bt[s, T_MINUTE] = clock[C_MINUTE]
                bt[s, T_OPEN] = NO_HIGH
                bt[s, T_HIGH] = NO_HIGH
                bt[s, T_LOW] = NO_LOW
                bt[s, T_VOLUME] = 0
                bt[s, T_TRADES] = 0
                bt[s, T_PV] = 0
            bt[s, T_VOLUME] += sz
            bt[s, T_TRADES] += 1
            bt[s, T_PV] += pv
            if is_print:
                if bt[s, T_OPEN] == NO_HIGH:
                    bt[s, T_OPEN] = p
                bt[s, T_HIGH] = max(bt[s, T_HIGH], p)
                bt[s, T_LOW] = min(bt[s, T_LOW], p)
                bt[s, T_CLOSE] = p
    clock[C_TS] = clock_ts
    return n_rec, DONE, n_rows, n_bars
