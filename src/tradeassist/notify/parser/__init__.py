"""Text commands into the typed command model: the offline grammar and Claude with tool use."""

from __future__ import annotations

from typing import Protocol

from tradeassist.domain.commands import Command

__all__ = ["CommandParser"]


class CommandParser(Protocol):
    """Turns a user's text into one command; never raises (``UnknownCommand`` instead)."""

    async def parse(self, text: str) -> Command: ...
