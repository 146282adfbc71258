"""Record batches as the scan kernel reads them: ``(n, 10)`` int64 words per MBP-1 record.

Batches in Databento's MBP-1 dtype (``DBNStore.to_ndarray()``; what the DBN
reader yields) are viewed without a copy when contiguous. Anything else with
the same field names (a trades array, a strided slice) is copied into that
layout first; a trades record keeps rtype 0 and undefined quotes, which the
kernel reads as "no book". The words are native-endian, so this assumes a
little-endian host, as DBN itself is.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradeassist.screener.layout import RECORD_WORDS, UNDEF_PRICE

__all__ = ["MBP1_DTYPE", "as_words"]

MBP1_DTYPE = np.dtype(
    [
        ("length", "u1"),
        ("rtype", "u1"),
        ("publisher_id", "u2"),
        ("instrument_id", "u4"),
        ("ts_event", "u8"),
        ("price", "i8"),
        ("size", "u4"),
        ("action", "S1"),
        ("side", "S1"),
        ("flags", "u1"),
        ("depth", "u1"),
        ("ts_recv", "u8"),
        ("ts_in_delta", "i4"),
        ("sequence", "u4"),
        ("bid_px_00", "i8"),
        ("ask_px_00", "i8"),
        ("bid_sz_00", "u4"),
        ("ask_sz_00", "u4"),
        ("bid_ct_00", "u4"),
        ("ask_ct_00", "u4"),
    ]
)


def to_mbp1(records: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """A contiguous MBP-1 copy of ``records`` (fields it lacks: zero, quotes undefined)."""
    out = np.zeros(records.shape[0], dtype=MBP1_DTYPE)
    names = set(records.dtype.names or ())
    if "bid_px_00" not in names:
        out["bid_px_00"] = UNDEF_PRICE
        out["ask_px_00"] = UNDEF_PRICE
    for name in MBP1_DTYPE.names or ():
        if name in names:
            out[name] = records[name]
    return out


def as_words(records: npt.NDArray[np.void]) -> npt.NDArray[np.int64]:
    """The batch as ``(n, 10)`` int64 words (a view when it already is MBP-1 and contiguous)."""
    if records.dtype != MBP1_DTYPE or not records.flags.c_contiguous:
        records = to_mbp1(records)
    return records.view(np.int64).reshape(records.shape[0], RECORD_WORDS)
