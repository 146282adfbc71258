"""The SMS log: ``/sms/messages`` (every text, admins only) and ``/users/me/messages``.

Every text in and out is stored in ``sms_messages``, also those the console
outbox writes instead of sending when Twilio is not configured, so the demo
shows here what would have been texted. Numbers are masked; newest first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.api.cursor import decode_cursor, encode_cursor
from tradeassist.api.deps import AdminUser, CurrentUser, SessionDep, UserSessionDep
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.schemas.outbox import (
    MessageListParams,
    SmsMessagePublic,
    SmsMessagesPublic,
    UserMessageListParams,
)
from tradeassist.store.sms import list_messages

__all__ = ["router"]

router = APIRouter(tags=["sms"], responses=ERROR_RESPONSES)


async def _page(
    session: AsyncSession, params: UserMessageListParams, *, user_id: str | None
) -> SmsMessagesPublic:
    before = decode_cursor(params.cursor, "desc") if params.cursor else None
    rows = await list_messages(
        session,
        user_id=user_id,
        direction=params.direction,
        status=params.status,
        before_id=before,
        limit=params.limit + 1,
    )
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return SmsMessagesPublic(
        data=[SmsMessagePublic.from_row(r) for r in rows],
        count=len(rows),
        next_cursor=encode_cursor("desc", rows[-1].id) if more else None,
    )


@router.get("/sms/messages", response_model=SmsMessagesPublic)
async def read_sms_messages(
    _admin: AdminUser, session: SessionDep, params: Annotated[MessageListParams, Query()]
) -> SmsMessagesPublic:
    """Every text in and out (admins only), newest first: the console outbox without Twilio."""
    return await _page(session, params, user_id=params.user_id)


@router.get("/users/me/messages", response_model=SmsMessagesPublic, tags=["users"])
async def read_my_messages(
    user: CurrentUser, session: UserSessionDep, params: Annotated[UserMessageListParams, Query()]
) -> SmsMessagesPublic:
    """The texts the caller sent and received, newest first."""
    return await _page(session, params, user_id=user.user_id)
