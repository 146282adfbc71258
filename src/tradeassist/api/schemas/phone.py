"""Phone verification: ask for a code, then prove the number with it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PhoneCodeCheck", "PhoneCodeRequest", "PhoneCodeSentPublic", "PhoneVerifiedPublic"]


class PhoneCodeRequest(BaseModel):
    """The number to text a one-time code to (E.164, or a US number as people write it)."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=7, max_length=32, examples=["+14155550100"])


class PhoneCodeSentPublic(BaseModel):
    """A code is on its way to ``phone`` (E.164); it stops working at ``expires_at``."""

    phone: str
    expires_at: datetime


class PhoneCodeCheck(BaseModel):
    """The code the user received."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^\s*[0-9]{6}\s*$", examples=["123456"])


class PhoneVerifiedPublic(BaseModel):
    """The caller's verified number (E.164): texts may be sent to it from now on."""

    phone: str
    verified: bool = True
