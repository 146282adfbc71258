"""The interface of an SMS provider: Twilio, or the console outbox when Twilio is not set up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["SendError", "SendResult", "SmsTransport"]


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider took the text: its id (Twilio's ``sid``), status and sender number."""

    sid: str
    status: str
    from_number: str | None = None


class SendError(Exception):
    """Sending failed; ``retryable`` says whether trying again later may work.

    Retryable: rate limiting (429), server errors (5xx), timeouts and
    connection failures. Not retryable: the provider refused this text (an
    invalid or unsubscribed number, a bad request).
    """

    def __init__(self, message: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class SmsTransport(Protocol):
    """Sends one text; raises :class:`SendError`."""

    @property
    def name(self) -> str: ...

    @property
    def from_number(self) -> str:
        """The number texts come from (and inbound texts are addressed to)."""
        ...

    async def send(self, *, to: str, body: str) -> SendResult: ...

    async def aclose(self) -> None: ...
