"""Column numbers of the engine's columnar state, shared by Python and the kernels.

Numba reads these module-level integers as compile-time constants, so a
renumbering recompiles the kernels (the cache is keyed on the source file).
Per-symbol state is one ``int64`` matrix of shape ``(slots, S_INT_COLUMNS)``
(one row per symbol keeps a symbol's fields in one or two cache lines) plus a
``float64`` matrix for sums that could overflow 64-bit integers.
"""

from __future__ import annotations

import numpy as np

# --- sentinels (prices are Databento fixed-point int64, 1e-9 dollars) ---------
UNDEF_PRICE = int(np.iinfo(np.int64).max)  # Databento's "no price"
NO_HIGH = int(np.iinfo(np.int64).min)  # no high (or no price) recorded yet
NO_LOW = int(np.iinfo(np.int64).max)  # no low recorded yet
NO_TIME = int(np.iinfo(np.int64).min)  # no timestamp recorded yet
NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND

# --- Databento record fields ---------------------------------------------------
# An MBP-1 record is 80 bytes: ten little-endian int64 words.
RECORD_WORDS = 10
W_HEADER = 0  # length u8, rtype u8, publisher_id u16, instrument_id u32
W_TS_EVENT = 1
W_PRICE = 2
W_SIZE_ACTION_FLAGS = 3  # size u32, action, side, flags, depth (one byte each)
W_TS_RECV = 4
W_BID = 6  # bid_px_00
W_ASK = 7  # ask_px_00
ACTION_TRADE = ord("T")
F_MAYBE_BAD_BOOK = 1 << 2
F_BAD_TS_RECV = 1 << 3

# --- session phase of a record -------------------------------------------------
PHASE_OUTSIDE = 0
PHASE_PREMARKET = 1
PHASE_REGULAR = 2
PHASE_AFTER_HOURS = 3

# --- int64 per-symbol state: st[slot, column] -----------------------------------
# One 128-byte row (two cache lines) per symbol, touched by trades only. VWAP
# numerators are exact integers: price in micro-dollars (fixed-point // 1000)
# times shares, which stays far from overflow for any real stock's day.
S_DAY_VOLUME = 0  # shares traded today, 04:00-20:00 ET
S_WINDOW = 1  # trailing-window shares (bits 0-39), queue head (40-50), queue length (51-62)
S_REG_VOLUME = 2  # regular-session shares (VWAP denominator)
S_REG_PV = 3  # regular-session sum of micro-dollar price x shares (VWAP numerator)
S_HIGH = 4  # regular-session high of price prints (NO_HIGH: none)
S_LOW = 5  # regular-session low of price prints (NO_LOW: none)
S_PM_HIGH = 6  # pre-market high of price prints (NO_HIGH: none)
S_NEWEST = 7  # newest second in the window (bits 0-31), entries in the large queue (bit 32)
S_RING = 8  # first of ROW_RING window entries kept in the row (see window.py)
ROW_RING = 8  # a power of two
S_INT_COLUMNS = S_RING + ROW_RING  # 128 bytes: two cache lines
WINDOW_SUM_BITS = 40  # up to 1.1e12 shares in a window
WINDOW_HEAD_BITS = 11  # queues of up to 2,048 entries
WINDOW_HEAD_MASK = (1 << WINDOW_HEAD_BITS) - 1
WINDOW_LEN_SHIFT = WINDOW_SUM_BITS + WINDOW_HEAD_BITS
WINDOW_LEN_MASK = (1 << 12) - 1
MAX_WINDOW_SECONDS = 1 << WINDOW_HEAD_BITS

# --- the small, hot per-symbol array every record may touch: qt[slot, column] ---
Q_BID = 0  # last trusted bid (UNDEF_PRICE: none)
Q_ASK = 1  # last trusted ask
Q_LAST_PRINT = 2  # price of the last price print today (NO_HIGH: none)
Q_COLUMNS = 4  # padded to 32 bytes

# --- one-minute bar being built, per symbol: bt[slot, column] --------------------
T_MINUTE = 0  # the bar's minute (ts // 60e9), -1: no open bar
T_OPEN = 1  # NO_HIGH: no price print yet in this minute
T_HIGH = 2
T_LOW = 3
T_CLOSE = 4
T_VOLUME = 5
T_TRADES = 6
T_PV = 7  # micro-dollar price x shares
T_COLUMNS = 8

PV_DIVISOR = 1000  # fixed-point (1e-9) to micro-dollars (1e-6)

# --- int64 parameters of one day: prm[index] ------------------------------------
P_DAY_END = 0  # Eastern midnight ending the day (UTC ns)
P_PREMARKET_OPEN = 1
P_OPEN = 2
P_CLOSE = 3
P_AFTER_HOURS_CLOSE = 4
P_MIN_TRADE_SIZE = 5
P_LATE_NS = 6
P_MIN_PRICE = 7  # fixed-point
P_MIN_DAY_VOLUME = 8
P_BARS = 9  # 1: build bars
P_WINDOW_SECONDS = 10
P_COLUMNS = 11

# --- engine clock: clock[index] -------------------------------------------------
C_TS = 0  # largest ts_event seen today
C_MINUTE = 1  # minute of the clock whose bars are open (-1: none)
C_NEXT_MINUTE = 2  # first ns of the minute after C_MINUTE (bars close when the clock gets there)

# --- int64 columns of the trade rows handed to detectors: rows[column, row] ----
R_RECORD = 0
R_SLOT = 1
R_TS = 2
R_PRICE = 3
R_SIZE = 4
R_HIGH = 5
R_LOW = 6
R_PM_HIGH = 7
R_DAY_VOLUME = 8
R_WINDOW_VOLUME = 9
R_BID = 10
R_ASK = 11
R_COLUMNS = 12

# --- bool columns of the trade rows: flags[column, row] -------------------------
B_PRINT = 0
B_ELIGIBLE = 1
B_COLUMNS = 2

# --- completed bars: bars[row, column] ------------------------------------------
BAR_SLOT = 0
BAR_START = 1  # minute start, UTC ns
BAR_OPEN = 2
BAR_HIGH = 3
BAR_LOW = 4
BAR_CLOSE = 5
BAR_VOLUME = 6
BAR_TRADES = 7
BAR_PV = 8
BAR_COLUMNS = 9

# --- why the scan kernel returned ------------------------------------------------
DONE = 0
NEW_DAY = 1
BARS_FULL = 2
