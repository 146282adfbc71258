"""Keep tokens out of log lines: ``?token=...`` in a logged URL becomes ``token=***``.

Browsers can only send the token of a WebSocket or EventSource connection in
the query string, and Uvicorn logs each WebSocket handshake with its URL.
"""

from __future__ import annotations

import logging
import re

__all__ = ["TokenRedactor", "install_token_redaction"]

_TOKEN = re.compile(r"(?i)([?&](?:token|access_token|api_key)=)[^&\s\"']+")


class TokenRedactor(logging.Filter):
    """Rewrites a record's message with query-string credentials masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Argument by argument, keeping the tuple's shape: Uvicorn's access
        # formatter unpacks it.
        if isinstance(record.msg, str):
            record.msg = _TOKEN.sub(r"\1***", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN.sub(r"\1***", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def install_token_redaction(*logger_names: str) -> None:
    """Attach one :class:`TokenRedactor` to each named logger (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedactor) for f in logger.filters):
            logger.addFilter(TokenRedactor())
