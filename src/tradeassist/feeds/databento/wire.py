"""The Databento Live (Raw API) wire format, both directions, as pure functions.

A session opens with text lines of ``key=value`` pairs joined by ``|``:

    gateway -> client   lsg_version=...            the greeting
    gateway -> client   cram=<challenge>           the CRAM challenge
    client  -> gateway  auth=<sha256>-<bucket>|dataset=...|encoding=dbn|ts_out=0|...
    gateway -> client   success=1|session_id=...   (or success=0|error=...)
    client  -> gateway  schema=mbp-1|stype_in=raw_symbol|symbols=ALL_SYMBOLS|start=...|...
    client  -> gateway  start_session=0

then the gateway sends a DBN stream: the metadata header, then records
(symbol mappings, system messages such as heartbeats, errors, market data).
The CRAM response is ``sha256("<challenge>|<api key>")`` in hex, a dash, and
the key's last five characters (its bucket id), so the key never crosses the
network.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Mapping
from typing import Any

import databento_dbn as dbn

__all__ = [
    "ALL_SYMBOLS",
    "BUCKET_ID_LENGTH",
    "control_line",
    "cram_response",
    "error_record",
    "mapping_record",
    "metadata_header",
    "new_challenge",
    "parse_control",
    "system_record",
]

ALL_SYMBOLS = "ALL_SYMBOLS"
BUCKET_ID_LENGTH = 5
_UNDEF_TIMESTAMP = int(dbn.UNDEF_TIMESTAMP)
# The type stubs of databento_dbn give these enum members as plain values.
_RAW_SYMBOL: Any = dbn.SType.RAW_SYMBOL
_INSTRUMENT_ID: Any = dbn.SType.INSTRUMENT_ID


def control_line(fields: Mapping[str, object]) -> bytes:
    """One control message: ``k=v|k=v`` and a newline (``None`` values are left out)."""
    text = "|".join(f"{k}={v}" for k, v in fields.items() if v is not None)
    return f"{text}\n".encode()


def parse_control(line: bytes) -> dict[str, str]:
    """The fields of one control line; raises ValueError when it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("control message is not UTF-8") from exc
    if not text.endswith("\n"):
        raise ValueError("control message does not end with a newline")
    fields: dict[str, str] = {}
    for token in text.strip().split("|"):
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise ValueError(f"malformed control message token {token!r}")
        fields[key] = value
    return fields


def new_challenge(length: int = 32) -> str:
    """A random CRAM challenge of ASCII letters."""
    return "".join(secrets.choice(string.ascii_letters) for _ in range(length))


def cram_response(challenge: str, api_key: str) -> str:
    """What a client holding ``api_key`` answers to ``challenge``."""
    digest = hashlib.sha256(f"{challenge}|{api_key}".encode()).hexdigest()
    return f"{digest}-{api_key[-BUCKET_ID_LENGTH:]}"


def metadata_header(dataset: str, start_ns: int, schema: str | None = "mbp-1") -> bytes:
    """The DBN metadata a live session opens with (current DBN version, no mappings:
    live sessions announce instrument ids in-band with symbol-mapping records)."""
    metadata = dbn.Metadata(
        dataset=dataset,
        start=start_ns,
        end=None,
        schema=None if schema is None else dbn.Schema.from_str(schema),
        stype_in=_RAW_SYMBOL,
        stype_out=_INSTRUMENT_ID,
        symbols=[ALL_SYMBOLS],
        partial=[],
        not_found=[],
        mappings=[],
    )
    return bytes(metadata.encode())


def mapping_record(
    instrument_id: int,
    symbol: str,
    ts_event: int,
    start_ts: int,
    end_ts: int | None,
    publisher_id: int = 0,
) -> bytes:
    """A ``SymbolMappingMsg``: ``instrument_id`` is ``symbol`` from ``start_ts`` to ``end_ts``."""
    msg = dbn.SymbolMappingMsg(
        publisher_id,
        instrument_id,
        ts_event,
        _RAW_SYMBOL,
        symbol,
        _INSTRUMENT_ID,
        symbol,
        start_ts,
        _UNDEF_TIMESTAMP if end_ts is None else end_ts,
    )
    return bytes(msg)


def system_record(ts_event: int, message: str, code: Any) -> bytes:
    """A ``SystemMsg`` (heartbeat, subscription acknowledgement, replay completed, ...);
    ``code`` a ``databento_dbn.SystemCode``."""
    return bytes(dbn.SystemMsg(ts_event, message, code=code))


def error_record(ts_event: int, message: str, code: Any) -> bytes:
    """An ``ErrorMsg`` from the gateway; ``code`` a ``databento_dbn.ErrorCode``."""
    return bytes(dbn.ErrorMsg(ts_event, message, code=code))
