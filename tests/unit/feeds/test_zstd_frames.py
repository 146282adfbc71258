"""The zstd frame walker against what ``zstandard`` itself says about the same bytes."""

from __future__ import annotations

import random

import pytest
import zstandard

from tradeassist.feeds.databento.zstd_frames import FrameWalker, ZstdLayoutError


def _blocks(data: bytes, every: int, **options: object) -> bytes:
    """One zstd frame of ``data`` with a block ended after each ``every`` bytes."""
    compressor = zstandard.ZstdCompressor(**options).compressobj()  # type: ignore[arg-type]
    out = b""
    for at in range(0, len(data), every):
        out += compressor.compress(data[at : at + every])
        out += compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    return out + compressor.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)


def _skippable(payload: bytes) -> bytes:
    return (0x184D2A53).to_bytes(4, "little") + len(payload).to_bytes(4, "little") + payload


def _frames() -> list[bytes]:
    rng = random.Random(7)
    text = b"".join(b"AAPL %d,%d\n" % (rng.randrange(10**6), i) for i in range(3000))
    noise = rng.randbytes(5000)  # incompressible: raw blocks
    return [
        zstandard.ZstdCompressor(write_checksum=True).compress(text),  # content size, checksum
        _blocks(text, 1000, write_checksum=False),  # streamed: no content size, many blocks
        _skippable(b"metadata of no interest"),
        _blocks(noise + b"\0" * 4000, 700, write_checksum=True),  # raw and RLE blocks
        zstandard.ZstdCompressor().compress(b"x"),  # single segment, 1-byte content size
        zstandard.ZstdCompressor().compress(b""),  # an empty frame
        zstandard.ZstdCompressor(write_content_size=False).compress(text[:999]),
    ]


def _ends_of(frames: list[bytes]) -> set[int]:
    ends, at = {0}, 0
    for frame in frames:
        at += len(frame)
        ends.add(at)
    return ends


def test_the_test_frames_decompress_and_use_every_kind_of_block() -> None:
    stream = b"".join(_frames())
    reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
    assert len(reader.read()) > 60_000  # the skippable frame is passed over, the rest read
    # a frame that ends inside its bytes: zstandard agrees it is unfinished
    cut = _frames()[1][:-20]
    partial = zstandard.ZstdDecompressor().decompressobj()
    partial.decompress(cut)
    assert not partial.eof


def test_between_frames_exactly_at_frame_ends_whatever_the_pieces() -> None:
    frames = _frames()
    stream = b"".join(frames)
    ends = _ends_of(frames)
    rng = random.Random(1)
    for cut in range(len(stream) + 1):
        walker = FrameWalker()
        at = 0
        while at < cut:  # pieces of random sizes, a header may be split between them
            step = min(rng.choice((1, 2, 3, 5, 64, 4096)), cut - at)
            walker.feed(memoryview(stream)[at : at + step])
            at += step
        assert walker.between_frames == (cut in ends), cut
    whole = FrameWalker()
    whole.feed(stream)
    assert whole.frames == len(frames)


@pytest.mark.parametrize(
    "data", [b"DBN\x03 not compressed", b"\x28\xb5\x2f\xfd\x00\x07\xff\xff\xff"]
)
def test_bytes_that_are_not_zstd_frames_are_refused(data: bytes) -> None:
    with pytest.raises(ZstdLayoutError):
        FrameWalker().feed(data)
