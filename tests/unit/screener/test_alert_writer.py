"""Alerts streamed to the replay output: byte-equal to ``json.dumps``, in order, atomic."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from tradeassist.screener.alert_bytes import SymbolBytes, encode_set
from tradeassist.screener.alert_output import AlertWriter
from tradeassist.screener.alert_set import AlertSet, DayLabels

UNDEF = int(np.iinfo(np.int64).max)
NO_HIGH = int(np.iinfo(np.int64).min)
T0 = 1_773_149_400_000_000_000  # 2026-03-10 13:30 UTC
SYMBOLS = ["AAPL", "BRK.B", 'Q"T', "ÉTÉ"]
# Floats the compiled writer formats itself, and ones it hands to repr.
ODD_FLOATS = [
    0.0,
    -0.0,
    1e-4,
    5e-05,
    0.00012345,
    1e15,
    999999999999999.9,
    123456.789012,
    -4.0283,
    1e300,
    float("nan"),
    float("inf"),
    0.1 + 0.2,
    2.5e-7,
    19.631105,
    25_000_000.0,
]


def alert_set(
    n: int, *, ts: list[int] | None = None, detector: int = 0, ordinal_base: int = 0
) -> AlertSet:
    rng = np.random.default_rng(n + detector)
    floats = np.array([ODD_FLOATS[i % len(ODD_FLOATS)] for i in range(n)])
    prices = rng.integers(1, 900_000, n) * 10_000_000
    bids = np.where(np.arange(n) % 4 == 1, UNDEF, prices - 10_000_000)
    asks = np.where(np.arange(n) % 5 == 2, NO_HIGH, prices + 20_000_000)
    return AlertSet(
        alert_types=("gap_up", "gap_down"),
        kinds=(np.arange(n) % 2).astype(np.int64),
        slot=(np.arange(n) % len(SYMBOLS)).astype(np.int64),
        ts=np.array(ts if ts is not None else [T0 + 7 * i for i in range(n)], np.int64),
        price=np.where(np.arange(n) % 7 == 3, UNDEF, prices),
        bid=bids,
        ask=asks,
        ordinal=np.arange(ordinal_base, ordinal_base + n, dtype=np.int64),
        detector=detector,
        symbols=SYMBOLS,
        labels=DayLabels(dt.date(2026, 3, 10), T0 - 5 * 3600 * 10**9 - 30 * 60 * 10**9),
        conditions={
            "pct_move": floats,
            "window_volume": rng.integers(-(2**62), 2**62, n),
            "odd %key": floats[::-1].copy(),
        },
    )


def expected_lines(*sets: AlertSet) -> list[str]:
    keyed = [
        (t, o, s.detector, json.dumps(a.to_json_dict()))
        for s in sets
        for t, o, a in zip(s.ts.tolist(), s.ordinal.tolist(), s.alerts(), strict=True)
    ]
    return [line for *_, line in sorted(keyed, key=lambda k: k[:3])]


def test_encoded_lines_equal_json_dumps_of_the_alerts() -> None:
    symbols = SymbolBytes()
    symbols.update(SYMBOLS)
    alerts = alert_set(200)

    data, lengths = encode_set(alerts, symbols)

    text = data.tobytes().decode()
    assert text.split("\n")[:-1] == expected_lines(alerts)
    assert int(lengths.sum()) == len(data)


def test_writer_output_is_in_contract_order_across_overlapping_runs(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    late = alert_set(30, ts=[T0 + 1000 + i for i in range(30)], detector=1)
    early = alert_set(20, ts=[T0 + 500 + 50 * i for i in range(20)], ordinal_base=100)

    with AlertWriter(out, flush_alerts=10) as writer:
        writer.add([late], SYMBOLS)
        writer.add([early], SYMBOLS)
        writer.commit()

    assert out.read_text().split("\n")[:-1] == expected_lines(late, early)
    assert writer.count == 50
    assert list(tmp_path.iterdir()) == [out]


def test_writer_leaves_nothing_behind_on_error(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"

    with pytest.raises(RuntimeError), AlertWriter(out, flush_alerts=1) as writer:
        writer.add([alert_set(5)], SYMBOLS)
        raise RuntimeError("replay failed")

    assert list(tmp_path.iterdir()) == []


def test_writer_without_alerts_writes_an_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"

    with AlertWriter(out) as writer:
        writer.add([], SYMBOLS)
        writer.commit()

    assert out.read_bytes() == b""
