"""Splitting the symbol universe by a stable hash."""

from __future__ import annotations

import numpy as np
import pytest

from tradeassist.errors import InputError
from tradeassist.live.shards import Shard, ShardFilter, parse_shard, shard_of


def test_the_hash_is_stable_across_processes_and_machines() -> None:
    # CRC-32 values, not Python's per-process salted hash.
    assert [shard_of(s, 4) for s in ("AAPL", "MSFT", "NVDA", "TSLA")] == [
        __import__("zlib").crc32(s.encode()) % 4 for s in ("AAPL", "MSFT", "NVDA", "TSLA")
    ]
    assert shard_of("AAPL", 1) == 0


@pytest.mark.parametrize("text", ["", "1", "a/b", "2/2", "-1/3", "0/0", "1/"])
def test_malformed_shards_are_one_line_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="--shard"):
        parse_shard(text)


def test_shard_filters_partition_records_by_symbol() -> None:
    symbols = {i: f"S{i:04d}" for i in range(1, 500)}
    ids = np.random.default_rng(0).integers(1, 500, size=10_000).astype(np.uint32)
    masks = []
    for index in range(3):
        shard_filter = ShardFilter(parse_shard(f"{index}/3"))
        kept = shard_filter.mapping(symbols)
        assert all(shard_of(s, 3) == index for s in kept.values())
        mask = shard_filter.keep(ids)
        assert mask is not None
        masks.append(mask)
    assert (np.sum(masks, axis=0) == 1).all()
    assert ShardFilter(None).keep(ids) is None


def test_a_remapped_id_follows_its_new_symbol() -> None:
    shard = Shard(0, 2)
    ours = next(f"X{i}" for i in range(100) if shard.owns(f"X{i}"))
    theirs = next(f"X{i}" for i in range(100) if not shard.owns(f"X{i}"))
    shard_filter = ShardFilter(shard)
    shard_filter.mapping({5: ours})
    ids = np.array([5], dtype=np.uint32)
    assert shard_filter.keep(ids).tolist() == [True]  # type: ignore[union-attr]
    shard_filter.mapping({5: theirs})
    assert shard_filter.keep(ids).tolist() == [False]  # type: ignore[union-attr]
