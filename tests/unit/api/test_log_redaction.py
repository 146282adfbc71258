from __future__ import annotations

import logging

from tradeassist.api.log_redaction import TokenRedactor


def test_a_token_in_a_logged_url_is_masked() -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", "/ws/alerts?symbol=AAPL&token=eyJhbGci.secret.sig&after_id=3"),
        None,
    )

    TokenRedactor().filter(record)

    assert record.getMessage() == (
        '127.0.0.1:5 - "WebSocket /ws/alerts?symbol=AAPL&token=***&after_id=3" [accepted]'
    )


def test_other_messages_are_left_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "started %s", ("ok",), None)

    TokenRedactor().filter(record)

    assert record.getMessage() == "started ok"


def test_the_access_log_arguments_keep_their_shape() -> None:
    args = ("127.0.0.1:5", "GET", "/sse/alerts?token=abc.def.ghi", "1.1", 200)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", args, None)

    TokenRedactor().filter(record)

    assert record.args == ("127.0.0.1:5", "GET", "/sse/alerts?token=***", "1.1", 200)
