"""``/users/me``: the caller's own profile."""

from __future__ import annotations

from fastapi import APIRouter

from tradeassist.api.deps import CurrentUser, UserSessionDep
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.schemas.users import UserPublic
from tradeassist.errors import NotFoundError
from tradeassist.store.users import get_user

__all__ = ["router"]

router = APIRouter(prefix="/users", tags=["users"], responses=ERROR_RESPONSES)


@router.get("/me", response_model=UserPublic)
async def read_user_me(user: CurrentUser, session: UserSessionDep) -> UserPublic:
    """The caller: id, phone, email, role (as the credential grants it) and created_at."""
    stored = await get_user(session, user_id=user.user_id)
    if stored is None:
        raise NotFoundError("your user record is gone; sign in again")
    return UserPublic.from_stored(stored, role=user.role)
