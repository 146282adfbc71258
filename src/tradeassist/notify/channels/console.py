"""The console outbox: the SMS transport used when Twilio is not configured.

Each text is written as one line to a stream (standard output by default)
and marked delivered at once; like every text, it is also stored in
``sms_messages`` by the queue, so the dashboard shows it as an outbox.
"""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from tradeassist.notify.sms.transport import SendResult

__all__ = ["CONSOLE_NUMBER", "ConsoleTransport"]

#: The sender number shown on console texts (a reserved fictional US number).
CONSOLE_NUMBER = "+15550000000"


class ConsoleTransport:
    """Writes texts instead of sending them; never fails."""

    name = "console"

    def __init__(self, *, stream: TextIO | None = None, from_number: str = CONSOLE_NUMBER):
        self._stream = stream
        self._from = from_number
        self.sent: list[tuple[str, str]] = []

    @property
    def from_number(self) -> str:
        return self._from

    async def send(self, *, to: str, body: str) -> SendResult:
        stream = self._stream or sys.stdout
        stream.write(f"[sms to {to}] {body}\n")
        stream.flush()
        self.sent.append((to, body))
        # Unique across restarts: sms_messages.twilio_sid is a unique column.
        return SendResult(sid=f"CONSOLE{uuid.uuid4().hex}", status="delivered")

    async def aclose(self) -> None:
        return None
