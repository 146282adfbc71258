"""API keys as an admin issues and lists them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tradeassist.api.schemas.common import PRINTABLE, USER_ID
from tradeassist.store.tables import ApiKeyRow

__all__ = ["ApiKeyCreate", "ApiKeyCreatedPublic", "ApiKeyPublic", "ApiKeysPublic"]


class ApiKeyCreate(BaseModel):
    """Issue a key for a user (the admin themself when ``user_id`` is omitted)."""

    model_config = ConfigDict(extra="forbid")

    user_id: str | None = Field(default=None, pattern=USER_ID)
    name: str = Field(default="", max_length=100, pattern=PRINTABLE)


class ApiKeyPublic(BaseModel):
    """A key without its secret: ``prefix`` tells keys apart."""

    id: int
    user_id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> ApiKeyPublic:
        return cls(
            id=row.id,
            user_id=row.user_id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


class ApiKeyCreatedPublic(ApiKeyPublic):
    """A new key: ``key`` is shown this once and never stored."""

    key: str = Field(description="Send as the X-API-Key header. Shown only once.")


class ApiKeysPublic(BaseModel):
    data: list[ApiKeyPublic]
    count: int
