"""The exception hierarchy of tradeassist.

Every error the product raises on purpose derives from ``TradeAssistError``;
the CLI turns any of them into one line on stderr and exit status 2, the API
maps them to JSON responses, and Temporal activities raise them as
non-retryable ``ApplicationError``.

    TradeAssistError
    ├── ConfigError             a setting is missing or malformed
    ├── InputError              a file or argument given by the user is unusable
    │   ├── DataFileError       a market-data file is missing, truncated or not DBN
    │   │   └── SchemaError     a DBN file of a schema the screener cannot replay
    │   └── ReferenceDataError  the reference data is empty or unreadable
    ├── StorageError            the database cannot be reached or migrated
    ├── FeedError               the live feed failed in a way retrying cannot fix
    │   └── AuthenticationError the feed refused our credentials
    ├── AuthError               a caller's credentials are missing or invalid
    ├── NotFoundError           a requested object does not exist
    ├── ConflictError           a request contradicts the stored state
    └── NotConfiguredError      a feature was used whose settings are unset
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "AuthenticationError",
    "ConfigError",
    "ConflictError",
    "DataFileError",
    "FeedError",
    "InputError",
    "NotConfiguredError",
    "NotFoundError",
    "ReferenceDataError",
    "SchemaError",
    "StorageError",
    "TradeAssistError",
]


class TradeAssistError(Exception):
    """Base of every deliberate error; its message is one line meant for a person."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(TradeAssistError):
    """A setting is missing or malformed."""


class InputError(TradeAssistError):
    """A file or argument given by the user is unusable."""


class DataFileError(InputError):
    """A market-data file is missing, unreadable, truncated or not DBN."""


class SchemaError(DataFileError):
    """A DBN file whose schema the screener cannot replay."""


class ReferenceDataError(InputError):
    """Reference data (previous closes, average volumes) is empty or unreadable."""


class StorageError(TradeAssistError):
    """The database cannot be reached, migrated or written."""


class FeedError(TradeAssistError):
    """The live feed failed in a way that retrying will not fix."""


class AuthenticationError(FeedError):
    """The market-data gateway refused our credentials."""


class AuthError(TradeAssistError):
    """A caller's credentials are missing, expired or forged."""


class NotFoundError(TradeAssistError):
    """A requested object does not exist."""


class ConflictError(TradeAssistError):
    """A request contradicts the stored state."""


class NotConfiguredError(TradeAssistError):
    """A feature was used whose settings are unset."""
