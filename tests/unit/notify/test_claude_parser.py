"""Claude with tool use, through the real ``anthropic`` client over a mock HTTP transport.

The transport answers as the Messages API does: a ``tool_use`` response, a
text-only one, malformed tool input, a slow answer, server errors. Whatever
goes wrong, the grammar answers instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from anthropic import AsyncAnthropic

from tradeassist.domain.commands import (
    ConfirmCommand,
    MuteCommand,
    OpenPositionCommand,
    UnknownCommand,
    WatchCommand,
)
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.parser.claude import TOOL_NAME, ClaudeParser
from tradeassist.notify.parser.grammar import parse_command

Handler = Callable[[httpx2.Request], Awaitable[httpx2.Response]]
CONFIG = NotifyConfig(claude_model="claude-haiku-5-5", claude_timeout_seconds=0.5)


def tool_use(command: Any) -> dict[str, Any]:
    """A Messages API response whose only content is a call of our tool."""
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-5-5",
        "content": [
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": TOOL_NAME,
                "input": command,
            }
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 1210, "output_tokens": 48},
    }


class FakeApi:
    """Records requests and answers each with what the test chose."""

    def __init__(self, answer: Callable[[httpx2.Request], Awaitable[httpx2.Response]]) -> None:
        self.requests: list[dict[str, Any]] = []
        self._answer = answer

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        return await self._answer(request)


def parser_for(api: FakeApi) -> ClaudeParser:
    client = AsyncAnthropic(
        api_key="test",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(api)),
    )
    return ClaudeParser(client, config=CONFIG)


def answer_json(status: int, body: dict[str, Any]) -> FakeApi:
    async def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, json=body)

    return FakeApi(answer)


async def test_a_tool_call_becomes_the_command() -> None:
    api = answer_json(
        200,
        tool_use(
            {
                "command": {
                    "kind": "open",
                    "side": "long",
                    "symbol": "AAPL",
                    "quantity": 100,
                    "limit_price": 150,
                    "stop_loss": 148,
                }
            }
        ),
    )
    parser = parser_for(api)

    command = await parser.parse("grab me a hundred apple around one fifty, bail at 148")

    assert command == OpenPositionCommand(
        side="long", symbol="AAPL", quantity=100, limit_price=150, stop_loss=148
    )
    sent = api.requests[0]
    assert sent["model"] == "claude-haiku-5-5"
    assert sent["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert [tool["name"] for tool in sent["tools"]] == [TOOL_NAME]
    assert "command" in sent["tools"][0]["input_schema"]["properties"]
    assert sent["messages"][0]["content"].startswith("grab me a hundred apple")
    assert not parser.fallbacks


async def test_times_from_claude_are_validated_into_the_model() -> None:
    api = answer_json(200, tool_use({"command": {"kind": "mute", "until": "14:30:00"}}))

    command = await parser_for(api).parse("shh till half two")

    assert command == MuteCommand(until=dt.time(14, 30))


async def test_malformed_tool_input_falls_back_to_the_grammar() -> None:
    bad = {"command": {"kind": "open", "side": "sideways", "symbol": "aapl!!", "extra": 1}}
    parser = parser_for(answer_json(200, tool_use(bad)))

    command = await parser.parse("buy AAPL at 150 stop 148 target 155")

    assert command == parse_command("buy AAPL at 150 stop 148 target 155")
    assert isinstance(command, OpenPositionCommand)
    assert parser.fallbacks == {"invalid_input": 1}


async def test_tool_input_that_is_not_an_object_falls_back() -> None:
    parser = parser_for(answer_json(200, tool_use({"command": "buy apple"})))

    command = await parser.parse("watch NVDA above 900")

    assert command == WatchCommand(symbol="NVDA", direction="above", price=900)
    assert parser.fallbacks == {"invalid_input": 1}


async def test_a_text_answer_without_a_tool_call_falls_back() -> None:
    body = tool_use({})
    body["content"] = [{"type": "text", "text": "Sure! You want to watch NVDA."}]
    body["stop_reason"] = "end_turn"
    parser = parser_for(answer_json(200, body))

    command = await parser.parse("watch NVDA above 900")

    assert command == WatchCommand(symbol="NVDA", direction="above", price=900)
    assert parser.fallbacks == {"no_tool_call": 1}


async def test_a_slow_answer_times_out_and_falls_back() -> None:
    async def slow(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(5)
        return httpx2.Response(200, json=tool_use({"command": {"kind": "status"}}))

    parser = parser_for(FakeApi(slow))
    loop = asyncio.get_running_loop()
    started = loop.time()

    command = await parser.parse("close TSLA please")

    assert loop.time() - started < 2.0
    assert command == parse_command("close TSLA please")
    assert sum(parser.fallbacks.values()) == 1


async def test_a_transport_timeout_falls_back() -> None:
    async def broken(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    parser = parser_for(FakeApi(broken))

    command = await parser.parse("close TSLA please")

    assert command == parse_command("close TSLA please")
    assert parser.fallbacks == {"api_error": 1}


async def test_server_errors_fall_back() -> None:
    for status, kind in (
        (500, "api_error"),
        (529, "overloaded_error"),
        (401, "authentication_error"),
    ):
        body = {"type": "error", "error": {"type": kind, "message": "nope"}}
        parser = parser_for(answer_json(status, body))

        command = await parser.parse("close TSLA please")

        assert command == parse_command("close TSLA please")
        assert parser.fallbacks == {"api_error": 1}


async def test_when_claude_does_not_understand_the_grammar_still_may() -> None:
    parser = parser_for(answer_json(200, tool_use({"command": {"kind": "unknown", "text": "?"}})))

    assert await parser.parse("close TSLA please") == parse_command("close TSLA please")
    assert await parser.parse("what a day") == UnknownCommand(text="what a day")
    assert parser.fallbacks == {"not_understood": 2}


async def test_plain_yes_never_waits_for_the_network() -> None:
    api = answer_json(500, {})
    parser = parser_for(api)

    assert await parser.parse("YES 2") == ConfirmCommand(reference="2")
    assert api.requests == []
