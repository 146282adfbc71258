"""Free text into the command model with Claude (official ``anthropic`` library, tool use).

One tool, ``record_command``, whose input schema is the command model's own
JSON schema; Claude is made to call it (``tool_choice``), and what it passes
is validated by the same pydantic model the grammar produces. On any
failure (timeout, API error, no tool call, input the model rejects) or when
Claude says it did not understand, the deterministic grammar answers
instead, so a text is never lost to an outage. Short replies the grammar is
sure of (YES, NO, HELP, STATUS) never wait for the network.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections import Counter
from typing import Any, cast

from anthropic import AsyncAnthropic
from anthropic.types import MessageParam, ToolChoiceToolParam, ToolParam
from pydantic import ValidationError

from tradeassist.domain.commands import (
    CancelCommand,
    Command,
    ConfirmCommand,
    HelpCommand,
    StatusCommand,
    UnknownCommand,
    command_adapter,
)
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.parser.grammar import parse_command

__all__ = ["TOOL_NAME", "ClaudeParser", "claude_client", "command_tool"]

_log = logging.getLogger(__name__)
TOOL_NAME = "record_command"
_SURE = (ConfirmCommand, CancelCommand, HelpCommand, StatusCommand)

SYSTEM_PROMPT = """\
You read text messages a day trader sends to a paper-trading assistant for US stocks \
and record each as exactly one command with the record_command tool.
Commands: open a position (side long for buy, short for sell short; optional quantity \
in shares, limit price, stop loss, take profit in dollars, trailing stop in percent), \
close one symbol, close everything (kill_switch), move the stop of a position, watch a \
price (above or below), choose which alert types are texted, mute texts until a time \
(24-hour HH:MM:SS) or for some minutes, unmute, status, help, confirm (YES) or cancel \
(NO) a pending trade, with an optional reference (a number or a symbol).
Rules: tickers in capital letters; copy numbers exactly as written and never invent \
one that is not in the message; leave out what the message does not say. If the \
message is none of these commands, record kind "unknown" with the message as text."""


def command_tool() -> dict[str, Any]:
    """The tool definition: ``{"command": <one of the command models>}`` as its input."""
    schema = copy.deepcopy(command_adapter.json_schema())
    defs = schema.pop("$defs")
    for definition in defs.values():
        # The discriminator has a default in the model; the tool must always say it.
        required = [r for r in definition.get("required", []) if r != "kind"]
        definition["required"] = ["kind", *required]
    return {
        "name": TOOL_NAME,
        "description": "Record the one command the user's text message expresses.",
        "input_schema": {
            "type": "object",
            "properties": {"command": schema},
            "required": ["command"],
            "$defs": defs,
        },
    }


def claude_client(api_key: str, *, max_retries: int = 1) -> AsyncAnthropic:
    """The production client (tests build theirs with a mock HTTP transport)."""
    return AsyncAnthropic(api_key=api_key, max_retries=max_retries)


class ClaudeParser:
    """Claude first, the grammar as the fallback; ``fallbacks`` counts why it fell back."""

    def __init__(self, client: AsyncAnthropic, *, config: NotifyConfig | None = None) -> None:
        cfg = config or NotifyConfig()
        self._client = client
        self._model = cfg.claude_model
        self._timeout = cfg.claude_timeout_seconds
        self._max_tokens = cfg.claude_max_tokens
        self._tool = cast(ToolParam, command_tool())
        self._choice: ToolChoiceToolParam = {"type": "tool", "name": TOOL_NAME}
        self.fallbacks: Counter[str] = Counter()

    async def parse(self, text: str) -> Command:
        """The command in ``text``; never raises."""
        grammar = parse_command(text)
        if isinstance(grammar, _SURE) or not text.strip():
            return grammar
        messages: list[MessageParam] = [{"role": "user", "content": text[:2000]}]
        try:
            async with asyncio.timeout(self._timeout):
                message = await self._client.messages.create(
                    model=self._model,
                    max_tokens=self._max_tokens,
                    system=SYSTEM_PROMPT,
                    tools=[self._tool],
                    tool_choice=self._choice,
                    messages=messages,
                    timeout=self._timeout,
                )
        except TimeoutError:
            return self._fallback("timeout", grammar)
        except Exception as exc:  # any client failure: the grammar still answers
            _log.warning("Claude parse failed (%s); using the grammar", type(exc).__name__)
            return self._fallback("api_error", grammar)
        return self._from_message(message.content, grammar)

    def _from_message(self, blocks: list[Any], grammar: Command) -> Command:
        tool_input: Any = None
        for block in blocks:
            if getattr(block, "type", None) == "tool_use" and block.name == TOOL_NAME:
                tool_input = block.input
                break
        if tool_input is None:
            return self._fallback("no_tool_call", grammar)
        raw = tool_input.get("command", tool_input) if isinstance(tool_input, dict) else tool_input
        try:
            command: Command = command_adapter.validate_python(raw)
        except ValidationError:
            return self._fallback("invalid_input", grammar)
        if isinstance(command, UnknownCommand):
            return self._fallback("not_understood", grammar)
        return command

    def _fallback(self, reason: str, grammar: Command) -> Command:
        self.fallbacks[reason] += 1
        return grammar
