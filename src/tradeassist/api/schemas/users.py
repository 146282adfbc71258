"""Users: the caller's profile, and users as an admin invites and lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradeassist.store.users import StoredUser

__all__ = ["UserInvite", "UserInvitePublic", "UserPublic", "UsersPublic"]

EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,255}\.[^@\s\x00-\x1f\x7f]{1,63}$"
PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"


class UserPublic(BaseModel):
    """A user: exactly id, phone (E.164), email, role and created_at."""

    id: str
    phone: str | None
    email: str | None
    role: str
    created_at: datetime

    @classmethod
    def from_stored(cls, user: StoredUser, *, role: str | None = None) -> UserPublic:
        return cls(
            id=user.id,
            phone=user.phone,
            email=user.email,
            role=role or user.role,
            created_at=user.created_at,
        )


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class UserInvite(BaseModel):
    """An admin invites someone: contact details and a role."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=320)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, description="E.164.")
    role: Literal["user", "admin"] = "user"
    token_days: int = Field(
        default=30, ge=1, le=365, description="Lifetime of the token returned, days."
    )


class UserInvitePublic(BaseModel):
    """The new user and, when this server signs tokens itself, a token for them (shown once)."""

    user: UserPublic
    token: str | None = None
    token_expires_at: datetime | None = None
