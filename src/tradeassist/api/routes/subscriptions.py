"""``/users/me/subscriptions``: the caller's alert subscriptions (CRUD)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from tradeassist.api.deps import CurrentUser, UserSessionDep
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.schemas.subscriptions import (
    SubscriptionCreate,
    SubscriptionCreatedPublic,
    SubscriptionPublic,
    SubscriptionsPublic,
    SubscriptionUpdate,
)
from tradeassist.errors import NotFoundError
from tradeassist.store.subscriptions import (
    add_subscription,
    delete_subscription,
    get_subscription,
    list_subscriptions,
    update_subscription,
)

__all__ = ["router"]

router = APIRouter(
    prefix="/users/me/subscriptions", tags=["subscriptions"], responses=ERROR_RESPONSES
)
SubscriptionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _missing(subscription_id: int) -> NotFoundError:
    return NotFoundError(f"you have no subscription {subscription_id}")


@router.get("", response_model=SubscriptionsPublic)
async def read_subscriptions(user: CurrentUser, session: UserSessionDep) -> SubscriptionsPublic:
    """The caller's subscriptions."""
    rows = await list_subscriptions(session, user_id=user.user_id)
    return SubscriptionsPublic(data=[SubscriptionPublic.from_row(r) for r in rows], count=len(rows))


@router.post("", response_model=SubscriptionCreatedPublic, status_code=status.HTTP_201_CREATED)
async def create_subscription(
    user: CurrentUser, session: UserSessionDep, body: SubscriptionCreate
) -> SubscriptionCreatedPublic:
    """Subscribe; a webhook without a secret gets one, returned this once."""
    values = body.values()
    values.setdefault("channels", body.channels or ["websocket"])
    if values.get("auto_trade") is None:
        values.pop("auto_trade", None)  # not null in the table: left out means off
    made_secret: str | None = None
    if "webhook" in (body.channels or []) and not body.webhook_secret:
        made_secret = secrets.token_urlsafe(32)
        values["webhook_secret"] = made_secret
    row = await add_subscription(session, user_id=user.user_id, values=values)
    public = SubscriptionPublic.from_row(row)
    return SubscriptionCreatedPublic(**public.model_dump(), webhook_secret=made_secret)


@router.get("/{subscription_id}", response_model=SubscriptionPublic)
async def read_subscription(
    user: CurrentUser, session: UserSessionDep, subscription_id: SubscriptionId
) -> SubscriptionPublic:
    """One of the caller's subscriptions."""
    row = await get_subscription(session, user_id=user.user_id, subscription_id=subscription_id)
    if row is None:
        raise _missing(subscription_id)
    return SubscriptionPublic.from_row(row)


@router.patch("/{subscription_id}", response_model=SubscriptionPublic)
async def update_subscription_route(
    user: CurrentUser,
    session: UserSessionDep,
    subscription_id: SubscriptionId,
    body: SubscriptionUpdate,
) -> SubscriptionPublic:
    """Change the fields given; the others keep their values."""
    values = body.values()
    for required in ("name", "channels", "enabled", "auto_trade"):
        if required in values and values[required] is None:
            values.pop(required)  # these columns cannot be null; null means "leave as is"
    row = await update_subscription(
        session, user_id=user.user_id, subscription_id=subscription_id, values=values
    )
    if row is None:
        raise _missing(subscription_id)
    return SubscriptionPublic.from_row(row)


@router.delete(
    "/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def delete_subscription_route(
    user: CurrentUser, session: UserSessionDep, subscription_id: SubscriptionId
) -> Response:
    """Unsubscribe."""
    if not await delete_subscription(
        session, user_id=user.user_id, subscription_id=subscription_id
    ):
        raise _missing(subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
