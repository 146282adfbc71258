"""``/users/me/phone``: verify the caller's phone by a one-time code before any text is sent.

Served while the notifier runs (``TRADEASSIST_NOTIFIER``); the code goes out
through the same queue as every text (the console outbox without Twilio).
"""

from __future__ import annotations

from fastapi import APIRouter, status

from tradeassist.api.deps import CurrentUser, StateDep
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.schemas.phone import (
    PhoneCodeCheck,
    PhoneCodeRequest,
    PhoneCodeSentPublic,
    PhoneVerifiedPublic,
)
from tradeassist.api.state import ApiState
from tradeassist.errors import NotConfiguredError
from tradeassist.notify.service import NotifyServices

__all__ = ["router"]

router = APIRouter(prefix="/users/me/phone", tags=["users"], responses=ERROR_RESPONSES)


def _notifier(state: ApiState) -> NotifyServices:
    if state.notify is None:
        raise NotConfiguredError("the notifier is not running")
    return state.notify


@router.post("", response_model=PhoneCodeSentPublic, status_code=status.HTTP_202_ACCEPTED)
async def create_phone_code(
    user: CurrentUser, state: StateDep, body: PhoneCodeRequest
) -> PhoneCodeSentPublic:
    """Text a six-digit code to the number; it becomes the caller's once verified."""
    started = await _notifier(state).verifier.start_verification(user.user_id, body.phone)
    return PhoneCodeSentPublic(phone=started.phone, expires_at=started.expires_at)


@router.post("/verify", response_model=PhoneVerifiedPublic)
async def verify_phone(
    user: CurrentUser, state: StateDep, body: PhoneCodeCheck
) -> PhoneVerifiedPublic:
    """Prove the number with the code: it becomes the caller's phone, opted in to texts."""
    phone = await _notifier(state).verifier.check_verification(user.user_id, body.code)
    return PhoneVerifiedPublic(phone=phone)
