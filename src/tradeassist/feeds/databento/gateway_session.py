"""One client connection to the loopback gateway: authenticate, subscribe, stream.

The conversation follows Databento's Live protocol (see :mod:`.wire`): greeting
and CRAM challenge, the authentication request checked against the API key,
subscription requests until ``start_session``, then a DBN stream: metadata,
a subscription acknowledgement, a symbol mapping per instrument, the records
(those with ``ts_event >= start`` from the beginning when the subscription asks
for an intraday replay, otherwise from the market's live edge on), a "replay
completed" message once a replay catches up, and heartbeats whenever nothing
else was sent for the session's heartbeat interval.

A session subscribed to ``status`` as well gets the source's status records
merged in by ``ts_recv`` (a status record before MBP-1 records stamped at the
same time, as ``replay --status`` merges them), under a metadata header whose
schema is undefined (a mixed-schema stream, as Databento's gateway sends). A
source without status records refuses that subscription, as the gateway does
for a schema the dataset does not publish.

Slow readers: with ``slow_reader_behavior=warn`` the session never skips a
record and warns with a system message while it is over a second behind;
otherwise (the gateway's default, ``skip``) it jumps to the live edge and says
so with an error message, as Databento's gateway does.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import databento_dbn as dbn
import numpy as np
import numpy.typing as npt

from tradeassist.feeds.databento import wire
from tradeassist.feeds.status_merge import Piece, merge_status

if TYPE_CHECKING:
    from tradeassist.feeds.databento.gateway import LoopbackGateway

__all__ = ["GatewaySession", "Subscription"]

LSG_VERSION = "0.0.0-loopback"
_SCHEMAS = ("mbp-1", "status")
_SLICE_RECORDS = 4096
_HANDSHAKE_TIMEOUT_S = 10.0
_WARN_EVERY_S = 10.0
_TICK_S = 0.001  # the pacing granularity: records due within a tick are sent together
_session_ids = itertools.count(1)


def _now_ns() -> int:
    return time.time_ns()


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription request as received (``start`` in UTC ns, None: live only)."""

    schema: str
    stype_in: str
    symbols: tuple[str, ...]
    start: int | None


def parse_subscription(fields: dict[str, str]) -> Subscription:
    start_text = fields.get("start")
    return Subscription(
        schema=fields.get("schema", ""),
        stype_in=fields.get("stype_in", ""),
        symbols=tuple(s for s in fields.get("symbols", "").split(",") if s),
        start=int(start_text) if start_text not in (None, "") else None,
    )


@dataclass(eq=False, slots=True)
class GatewaySession:
    """The state of one connection."""

    gateway: LoopbackGateway
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    subscriptions: list[Subscription] = field(default_factory=list)
    heartbeat_s: float = 30.0
    slow_reader: str = "skip"
    streaming: bool = False
    sent: int = 0
    _last_write: float = 0.0
    _last_warning: float = 0.0
    _replayed: list[str] = field(default_factory=list)  # schemas replayed from a start

    async def run(self) -> None:
        """Talk to the client until it leaves or the gateway drops it."""
        if not await self._authenticate():
            return
        if not await self._read_subscriptions():
            return
        # Lines the client sends later (more subscriptions) are read and ignored; EOF ends us.
        watcher = asyncio.create_task(self._watch_client())
        try:
            await self._stream()
        finally:
            watcher.cancel()

    # --- handshake ---------------------------------------------------------------
    async def _readline(self) -> bytes:
        return await asyncio.wait_for(self.reader.readline(), _HANDSHAKE_TIMEOUT_S)

    async def _authenticate(self) -> bool:
        gw = self.gateway
        challenge = wire.new_challenge()
        self.writer.write(wire.control_line({"lsg_version": LSG_VERSION}))
        self.writer.write(wire.control_line({"cram": challenge}))
        line = await self._readline()
        if not line:
            return False
        request = wire.parse_control(line)
        gw.auth_requests.append({k: v for k, v in request.items() if k != "auth"})
        error = None
        if gw.reject_auth or request.get("auth") != wire.cram_response(challenge, gw.api_key):
            error = "Authentication failed."
        elif request.get("dataset") != gw.source.dataset:
            error = f"Unknown dataset {request.get('dataset')!r} on this gateway."
        elif request.get("encoding", "dbn") != "dbn" or request.get("compression", "none") not in (
            "none",
            "",
        ):
            error = "Only DBN without compression is served by this gateway."
        elif request.get("ts_out", "0") not in ("0", ""):
            error = "ts_out is not supported by this gateway."
        if error is not None:
            self.writer.write(wire.control_line({"success": 0, "error": error}))
            await self.writer.drain()
            return False
        self.heartbeat_s = float(request.get("heartbeat_interval_s") or 30)
        self.slow_reader = request.get("slow_reader_behavior") or "skip"
        session_id = next(_session_ids)
        self.writer.write(wire.control_line({"success": 1, "session_id": session_id}))
        await self.writer.drain()
        return True

    async def _read_subscriptions(self) -> bool:
        while True:
            line = await self.reader.readline()
            if not line:
                return False
            fields = wire.parse_control(line)
            if "start_session" in fields:
                return True
            if "schema" in fields:
                self.subscriptions.append(parse_subscription(fields))
                self.gateway.subscriptions.append(self.subscriptions[-1])

    async def _watch_client(self) -> None:
        while await self.reader.readline():
            pass
        self.writer.close()

    # --- streaming -----------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self.writer.write(data)
        self._last_write = time.monotonic()

    async def _stream(self) -> None:
        gw = self.gateway
        gw.clock.start()
        gw.sessions_started += 1
        self.streaming = True
        starts = [s.start for s in self.subscriptions if s.start is not None]
        start = min(starts) if starts else None
        schemas = sorted({s.schema for s in self.subscriptions})
        schema = schemas[0] if len(schemas) == 1 else None
        self._write(
            wire.metadata_header(gw.source.dataset, _now_ns() if start is None else start, schema)
        )
        available = _SCHEMAS if gw.source.status is not None else _SCHEMAS[:1]
        bad = [s.schema for s in self.subscriptions if s.schema not in available]
        if bad or not self.subscriptions:
            what = bad[0] if bad else "nothing"
            self._fail(f"Subscription to {what} is not available here.", "INVALID_SUBSCRIPTION")
            return
        for number, sub in enumerate(self.subscriptions):
            message = f"Subscription request {number} for {sub.schema} data succeeded"
            self._write(wire.system_record(_now_ns(), message, dbn.SystemCode.SUBSCRIPTION_ACK))
        wanted = {s for sub in self.subscriptions for s in sub.symbols}
        every = wire.ALL_SYMBOLS in wanted
        ids: list[int] = []
        for instrument_id, symbol, begin, end in gw.source.mappings():
            if every or symbol in wanted:
                ids.append(instrument_id)
                self._write(wire.mapping_record(instrument_id, symbol, _now_ns(), begin, end))
        allowed = None if every else np.asarray(sorted(set(ids)), dtype=np.uint32)
        if gw.failure is not None:
            self._fail(*gw.failure)
            return
        self._replayed = schemas if start is not None else []
        await self._send_records(start, allowed, with_status="status" in schemas)
        while True:  # the file is exhausted: the market is quiet, heartbeats only
            await self._idle(self.heartbeat_s)

    def _fail(self, message: str, code: str) -> None:
        self._write(wire.error_record(_now_ns(), message, getattr(dbn.ErrorCode, code)))
        self.writer.close()

    async def _idle(self, seconds: float) -> None:
        """Wait ``seconds`` (at least a tick), sending heartbeats when quiet."""
        await asyncio.sleep(max(seconds, _TICK_S))
        await self.gateway.wait_while_stalled()
        if time.monotonic() - self._last_write >= self.heartbeat_s:
            self._write(wire.system_record(_now_ns(), "Heartbeat", dbn.SystemCode.HEARTBEAT))
            await self.writer.drain()

    def _pieces(self, with_status: bool) -> Iterator[Piece]:
        """The source's records, with its status records merged in when asked for."""
        source = self.gateway.source
        data = source.batches(_SLICE_RECORDS)
        if not with_status or source.status is None:
            return (("data", batch) for batch in data)
        return merge_status(data, [source.status])

    async def _send_records(
        self, start: int | None, allowed: npt.NDArray[np.uint32] | None, *, with_status: bool
    ) -> None:
        gw = self.gateway
        clock = gw.clock
        # Without a replay the session sees the market from its live edge on; without a
        # rate every record is "published" when the session starts.
        skip_before = int(clock.published()) if start is None and clock.rate is not None else 0
        replaying = start is not None
        index = 0
        for kind, batch in self._pieces(with_status):
            if kind == "status":  # published with the record before it: sent at once
                chosen = self._select(batch, index, 0, start, allowed)
                if chosen.shape[0]:
                    self._write(chosen.tobytes())
                continue
            pos, n = 0, batch.shape[0]
            while pos < n:
                await gw.wait_while_stalled()
                edge = clock.published()
                if edge - index < 1:  # the next record is not published yet
                    if replaying:
                        self._replay_completed()
                        replaying = False
                    # Records due within a tick go out together at its end: a few
                    # hundred at a time at market rates, not one wake-up per record.
                    await self._idle(min(clock.seconds_until(index + 1), self.heartbeat_s))
                    continue
                behind = edge - index
                if not replaying and clock.rate is not None and behind > clock.rate:
                    skip_before = max(skip_before, self._slow(int(edge)))
                take = int(min(n - pos, behind, _SLICE_RECORDS))
                part = batch[pos : pos + take]
                chosen = self._select(part, index, skip_before, start, allowed)
                if chosen.shape[0]:
                    self._write(chosen.tobytes())
                    self.sent += chosen.shape[0]
                    gw.records_sent += chosen.shape[0]
                pos += take
                index += take
                await self.writer.drain()  # flow control: waits only while the client lags
                if clock.rate is not None and index >= edge - 1:
                    # Caught up with the market: wait a tick, then send what came due
                    # meanwhile in one write (not a record at a time as each comes due).
                    await self._idle(_TICK_S)
        if replaying:
            self._replay_completed()

    @staticmethod
    def _select(
        part: npt.NDArray[np.void],
        index: int,
        skip_before: int,
        start: int | None,
        allowed: npt.NDArray[np.uint32] | None,
    ) -> npt.NDArray[np.void]:
        """The records of ``part`` (file positions from ``index``) this session gets."""
        keep: npt.NDArray[np.bool_] | None = None
        if index < skip_before:
            keep = np.arange(index, index + part.shape[0]) >= skip_before
        if start is not None and start > 0:
            after = part["ts_event"] >= np.uint64(start)
            keep = after if keep is None else keep & after
        if allowed is not None:
            wanted = np.isin(part["instrument_id"], allowed)
            keep = wanted if keep is None else keep & wanted
        return part if keep is None or keep.all() else part[keep]

    def _replay_completed(self) -> None:
        for schema in self._replayed:  # one message per replayed schema
            message = f"Finished {schema} replay"
            self._write(wire.system_record(_now_ns(), message, dbn.SystemCode.REPLAY_COMPLETED))

    def _slow(self, edge: int) -> int:
        """The reader is over a second behind: warn, or skip to ``edge``; returns skip-to."""
        now = time.monotonic()
        if self.slow_reader == "warn":
            if now - self._last_warning >= _WARN_EVERY_S:
                self._last_warning = now
                message = "Slow reader: the gateway is buffering; records are not skipped"
                self._write(
                    wire.system_record(_now_ns(), message, dbn.SystemCode.SLOW_READER_WARNING)
                )
            return 0
        message = "Skipped records after slow reading"
        code = dbn.ErrorCode.SKIPPED_RECORDS_AFTER_SLOW_READING
        self._write(wire.error_record(_now_ns(), message, code))
        return edge
