"""The DBN reader against Databento's own client, on real samples and synthetic files."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import databento
import databento_dbn as dbn
import numpy as np
import numpy.typing as npt
import pytest
import zstandard

from tradeassist.errors import DataFileError, SchemaError
from tradeassist.feeds import dbn_file
from tradeassist.feeds.databento.parsing import MBP1_DTYPE, STATUS_DTYPE, UNDEF_PRICE
from tradeassist.feeds.dbn_file import REPLAY_SCHEMAS, iter_status, open_dbn

DATA = Path(__file__).parents[2] / "data" / "databento"
SAMPLES = sorted(p for p in DATA.glob("*/*.dbn*") if p.parent.name != "LIVE")


def _schema(path: Path) -> str:
    return path.name.split(".")[1]


REPLAYABLE = [p for p in SAMPLES if _schema(p) in REPLAY_SCHEMAS]
REFUSED = [p for p in SAMPLES if _schema(p) not in REPLAY_SCHEMAS]
TRADE_FIELDS = [n for n in MBP1_DTYPE.names or () if not n.endswith("_00") and n != "length"]


def _read_all(path: Path, max_records: int = 65536) -> npt.NDArray[np.void]:
    with open_dbn(path) as f:
        batches = [batch.copy() for batch in f.iter_batches(max_records)]
    return np.concatenate(batches) if batches else np.empty(0, MBP1_DTYPE)


def _metadata(schema: dbn.Schema, mappings: list[tuple[str, int, dt.date, dt.date]]) -> bytes:
    entries = [
        types.SimpleNamespace(
            raw_symbol=sym,
            intervals=[types.SimpleNamespace(start_date=a, end_date=b, symbol=str(iid))],
        )
        for sym, iid, a, b in mappings
    ]
    return bytes(
        dbn.Metadata(
            dataset="XNAS.ITCH",
            start=1_700_000_000_000_000_000,
            schema=schema,
            stype_in=dbn.SType.RAW_SYMBOL,
            stype_out=dbn.SType.INSTRUMENT_ID,
            symbols=[m[0] for m in mappings],
            partial=[],
            not_found=[],
            mappings=entries,
        ).encode()
    )


def _mbp1_records(count: int, seed: int = 1) -> npt.NDArray[np.void]:
    rng = np.random.default_rng(seed)
    recs = np.zeros(count, MBP1_DTYPE)
    recs["length"], recs["rtype"], recs["publisher_id"] = 20, 1, 2
    recs["instrument_id"] = rng.integers(1, 50, count)
    recs["ts_event"] = 1_700_000_000_000_000_000 + np.arange(count) * 1000
    recs["ts_recv"] = recs["ts_event"] + 500
    recs["price"] = rng.integers(1, 500, count) * 10_000_000
    recs["size"] = rng.integers(1, 1000, count)
    recs["action"] = rng.choice(np.array([b"A", b"C", b"T"], "S1"), count)
    recs["side"] = rng.choice(np.array([b"A", b"B", b"N"], "S1"), count)
    recs["bid_px_00"] = recs["price"] - 10_000_000
    recs["ask_px_00"] = recs["price"] + 10_000_000
    recs["sequence"] = np.arange(count)
    return recs


DAY = dt.date(2023, 11, 14)
ONE_SYMBOL = [("AAA", 1, DAY, DAY + dt.timedelta(days=1))]


@pytest.mark.parametrize("path", REPLAYABLE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_records_and_symbols_match_the_official_client(path: Path) -> None:
    store = databento.DBNStore.from_file(path)
    expected = store.to_ndarray()

    with open_dbn(path) as f:
        got = np.concatenate([b.copy() for b in f.iter_batches(max_records=3)])
        symbols = dict(f.symbols)
        version = f.metadata.version

    assert got.dtype == MBP1_DTYPE
    assert len(got) == len(expected) > 0
    if _schema(path) == "trades":
        for name in TRADE_FIELDS:
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
        assert (got["bid_px_00"] == UNDEF_PRICE).all() and (got["ask_px_00"] == UNDEF_PRICE).all()
        assert (got["bid_sz_00"] == 0).all() and (got["ask_sz_00"] == 0).all()
    else:
        np.testing.assert_array_equal(got, expected)
    official = {
        int(iv["symbol"]): raw for raw, ivs in store.symbology["mappings"].items() for iv in ivs
    }
    assert symbols == official
    assert version == store.metadata.version


def test_each_dbn_version_reads_the_same_records() -> None:
    versions = DATA / "dbn-versions"
    for schema in ("mbp-1", "trades"):
        arrays = [_read_all(versions / f"test_data.{schema}.v{v}.dbn.zst") for v in (1, 2, 3)]
        arrays.append(_read_all(versions / f"test_data.{schema}.dbn"))
        for other in arrays[1:]:
            np.testing.assert_array_equal(other, arrays[0])


@pytest.mark.parametrize("path", REFUSED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_other_schemas_are_refused_naming_the_schema(path: Path) -> None:
    with open_dbn(path) as f, pytest.raises(SchemaError, match=_schema(path)) as caught:
        f.iter_batches()
    assert "mbp-1" in str(caught.value) and str(path) in str(caught.value)


def test_mixed_schema_live_capture_is_refused() -> None:
    path = DATA / "LIVE" / "test_data.live.dbn.zst"
    with open_dbn(path) as f, pytest.raises(SchemaError, match="without a schema"):
        f.iter_batches()


def test_status_records_match_the_official_client() -> None:
    for path in sorted((DATA / "dbn-versions").glob("test_data.status.*")):
        got = np.concatenate([b.copy() for b in iter_status(path)])
        assert got.dtype == STATUS_DTYPE
        np.testing.assert_array_equal(got, databento.DBNStore.from_file(path).to_ndarray())


def test_status_reader_refuses_a_quote_file() -> None:
    with pytest.raises(SchemaError, match="mbp-1"):
        next(iter_status(DATA / "XNAS.ITCH" / "test_data.mbp-1.dbn.zst"))


def test_uncompressed_file_cut_mid_record_is_truncated(tmp_path: Path) -> None:
    data = (DATA / "dbn-versions" / "test_data.mbp-1.dbn").read_bytes()
    cut = tmp_path / "cut.dbn"
    cut.write_bytes(data[:-30])

    with pytest.raises(DataFileError, match="truncated"):
        _read_all(cut)


@pytest.mark.parametrize("keep", [0.5, 0.9, -3])
def test_zstd_file_cut_mid_frame_is_truncated(tmp_path: Path, keep: float) -> None:
    data = zstandard.ZstdCompressor().compress(
        _metadata(dbn.Schema.MBP_1, ONE_SYMBOL) + _mbp1_records(5000).tobytes()
    )
    cut = tmp_path / "cut.dbn.zst"
    cut.write_bytes(data[: int(len(data) * keep)] if keep > 0 else data[: int(keep)])

    with pytest.raises(DataFileError, match="truncated"):
        _read_all(cut)


def test_zstd_file_cut_anywhere_after_its_header_is_truncated(tmp_path: Path) -> None:
    # Blocks end every 20 records, so many cuts fall exactly between two blocks,
    # where a decompressor reading straight into a buffer just stops.
    records = _mbp1_records(400).tobytes()
    compressor = zstandard.ZstdCompressor(write_checksum=True).compressobj()
    data = compressor.compress(_metadata(dbn.Schema.MBP_1, ONE_SYMBOL))
    data += compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    block_ends = [len(data)]
    for at in range(0, len(records), 20 * 80):
        data += compressor.compress(records[at : at + 20 * 80])
        data += compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        block_ends.append(len(data))
    data += compressor.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)
    whole = tmp_path / "whole.dbn.zst"
    whole.write_bytes(data)
    assert _read_all(whole).tobytes() == records

    cut = tmp_path / "cut.dbn.zst"
    for end in sorted({*block_ends, *range(block_ends[0], len(data), 97), len(data) - 1}):
        cut.write_bytes(data[:end])
        with pytest.raises(DataFileError, match="truncated"):
            _read_all(cut)


def test_truncated_real_sample(tmp_path: Path) -> None:
    data = (DATA / "XNAS.ITCH" / "test_data.trades.dbn.zst").read_bytes()
    cut = tmp_path / "cut.dbn.zst"
    cut.write_bytes(data[: len(data) - 5])

    with pytest.raises(DataFileError, match="truncated"):
        _read_all(cut)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"symbol,prev_close\nAAPL,1\n", "not a DBN"),
        (bytes(range(256)) * 4, "not a DBN"),
        (zstandard.ZstdCompressor().compress(b"hello, not DBN at all"), "not a DBN"),
        (b"\x28\xb5\x2f\xfd garbage after a zstd magic", "zstd"),
    ],
)
def test_non_dbn_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.dbn"
    path.write_bytes(content)

    with pytest.raises(DataFileError, match=message) as caught:
        _read_all(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_missing_file_and_directory_are_data_file_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot open"):
        open_dbn(tmp_path / "nope.dbn.zst")
    with pytest.raises(DataFileError, match="cannot open"):
        open_dbn(tmp_path)


def test_large_file_streams_in_batches_identical_plain_and_zstd(tmp_path: Path) -> None:
    records = _mbp1_records(100_000)
    raw = _metadata(dbn.Schema.MBP_1, ONE_SYMBOL) + records.tobytes()
    plain, packed = tmp_path / "big.dbn", tmp_path / "big.dbn.zst"
    plain.write_bytes(raw)
    with packed.open("wb") as fh, zstandard.ZstdCompressor().stream_writer(fh) as writer:
        for start in range(0, len(raw), 1 << 16):  # a streamed frame, as a writer makes it
            writer.write(raw[start : start + (1 << 16)])

    with open_dbn(plain) as f:
        sizes = [len(batch) for batch in f.iter_batches(max_records=777)]
    from_plain, from_zstd = _read_all(plain, 777), _read_all(packed, 1000)

    assert sizes[:-1] == [777] * (len(sizes) - 1) and sum(sizes) == len(records)
    np.testing.assert_array_equal(from_plain, records)
    np.testing.assert_array_equal(from_zstd, records)


def test_concatenated_zstd_frames_are_one_stream(tmp_path: Path) -> None:
    records = _mbp1_records(3000)
    raw = _metadata(dbn.Schema.MBP_1, ONE_SYMBOL) + records.tobytes()
    cctx = zstandard.ZstdCompressor()
    path = tmp_path / "frames.dbn.zst"
    path.write_bytes(cctx.compress(raw[:12345]) + cctx.compress(raw[12345:]))

    np.testing.assert_array_equal(_read_all(path), records)


def test_in_band_symbol_mappings_and_heartbeats_of_a_recorded_live_session(
    tmp_path: Path,
) -> None:
    records = _mbp1_records(1000)
    records["instrument_id"] = 77
    mapping = dbn.SymbolMappingMsg(
        publisher_id=0,
        instrument_id=77,
        ts_event=int(records["ts_event"][0]),
        stype_in=dbn.SType.RAW_SYMBOL,
        stype_in_symbol="NEWCO",
        stype_out=dbn.SType.INSTRUMENT_ID,
        stype_out_symbol="77",
        start_ts=1_699_920_000_000_000_000,
        end_ts=1_700_006_400_000_000_000,
    )
    heartbeat = dbn.SystemMsg(ts_event=0, msg="Heartbeat", code=dbn.SystemCode.HEARTBEAT)
    path = tmp_path / "live.dbn"
    path.write_bytes(
        _metadata(dbn.Schema.MBP_1, [])
        + bytes(mapping)
        + records[:400].tobytes()
        + bytes(heartbeat)
        + records[400:].tobytes()
    )

    with open_dbn(path) as f:
        assert f.symbols == {}
        got = np.concatenate([b.copy() for b in f.iter_batches(max_records=64)])
        assert f.symbols == {77: "NEWCO"}
        assert f.symbols_for(DAY) == {77: "NEWCO"}
    np.testing.assert_array_equal(got, records)


def _foreign_record() -> bytes:
    """An MBO record: of another schema than the MBP-1 files it is put into."""
    return bytes(
        dbn.MBOMsg(
            publisher_id=1,
            instrument_id=1,
            ts_event=0,
            order_id=1,
            price=1,
            size=1,
            action=dbn.Action.ADD,
            side=dbn.Side.BID,
            ts_recv=0,
        )
    )


def test_a_foreign_record_inside_a_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "mixed.dbn"
    records = _mbp1_records(10).tobytes()
    path.write_bytes(
        _metadata(dbn.Schema.MBP_1, ONE_SYMBOL) + records + _foreign_record() + records
    )

    with pytest.raises(DataFileError, match="unexpected record"):
        _read_all(path)


def test_records_with_ts_out_are_read_without_it(tmp_path: Path) -> None:
    records = _mbp1_records(500)
    with_ts_out = np.zeros(500, [("rec", MBP1_DTYPE), ("ts_out", "<u8")])
    with_ts_out["rec"] = records
    with_ts_out["rec"]["length"] = 22
    raw = dbn.Metadata(
        dataset="XNAS.ITCH",
        start=0,
        schema=dbn.Schema.MBP_1,
        stype_in=dbn.SType.RAW_SYMBOL,
        stype_out=dbn.SType.INSTRUMENT_ID,
        ts_out=True,
    ).encode()
    path = tmp_path / "ts_out.dbn"
    path.write_bytes(bytes(raw) + with_ts_out.tobytes())

    np.testing.assert_array_equal(_read_all(path, 100), records)


def test_symbols_for_a_day_when_ids_are_reused(tmp_path: Path) -> None:
    day2 = DAY + dt.timedelta(days=1)
    mappings = [("AAA", 1, DAY, day2), ("BBB", 1, day2, day2 + dt.timedelta(days=1))]
    path = tmp_path / "two_days.dbn"
    path.write_bytes(_metadata(dbn.Schema.MBP_1, mappings))

    with open_dbn(path) as f:
        assert f.symbols_for(DAY) == {1: "AAA"}
        assert f.symbols_for(day2) == {1: "BBB"}
        assert f.symbols == {1: "BBB"}
        assert list(f.iter_batches()) == []


@pytest.mark.parametrize("piece", [1000, 4096, 1 << 20])
def test_records_are_checked_piece_by_piece_as_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    # Pieces that cut records, and other records before, inside and after the first piece.
    monkeypatch.setattr(dbn_file, "_CHECK_BYTES", piece)
    records = _mbp1_records(5000, seed=4)
    records["instrument_id"] = 77
    heartbeat = bytes(dbn.SystemMsg(ts_event=0, msg="Heartbeat", code=dbn.SystemCode.HEARTBEAT))
    parts, start = [_metadata(dbn.Schema.MBP_1, ONE_SYMBOL)], 0
    for stop in (3, 12, 13, 700, 2500, 5000):
        parts += [records[start:stop].tobytes(), heartbeat]
        start = stop
    plain, packed = tmp_path / "pieces.dbn", tmp_path / "pieces.dbn.zst"
    plain.write_bytes(b"".join(parts))
    packed.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    foreign = tmp_path / "foreign.dbn"
    foreign.write_bytes(b"".join(parts[:4]) + _foreign_record() + b"".join(parts[4:]))

    for path in (plain, packed):
        for max_records in (64, 4000, 65536):
            np.testing.assert_array_equal(_read_all(path, max_records), records)
    with pytest.raises(DataFileError, match="unexpected record"):
        _read_all(foreign, 65536)
