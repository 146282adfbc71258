"""``/admin``: invite users, list them, issue and revoke API keys (admins only)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from tradeassist.api.deps import AdminUser, SessionDep, StateDep
from tradeassist.api.keys import new_api_key
from tradeassist.api.schemas.admin import (
    ApiKeyCreate,
    ApiKeyCreatedPublic,
    ApiKeyPublic,
    ApiKeysPublic,
)
from tradeassist.api.schemas.common import ERROR_RESPONSES, USER_ID
from tradeassist.api.schemas.users import UserInvite, UserInvitePublic, UserPublic, UsersPublic
from tradeassist.errors import ConflictError, NotFoundError
from tradeassist.store.api_keys import add_api_key, list_api_keys, revoke_api_key
from tradeassist.store.user_admin import list_users
from tradeassist.store.users import get_or_create_user, get_user

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.post("/users", response_model=UserInvitePublic, status_code=status.HTTP_201_CREATED)
async def create_user(
    _admin: AdminUser, session: SessionDep, state: StateDep, body: UserInvite
) -> UserInvitePublic:
    """Invite a user; when this server signs its own tokens, a token for them comes back once."""
    user_id = str(uuid.uuid4())
    created = await get_or_create_user(
        session, user_id=user_id, email=body.email, phone=body.phone, role=body.role
    )
    if created.id != user_id:
        raise ConflictError("that user already exists")
    token = expires = None
    if state.auth.verifier.can_mint:
        ttl = body.token_days * 86_400
        now = state.clock_ns() // 1_000_000_000
        token = state.auth.verifier.mint(
            user_id=user_id,
            admin=body.role == "admin",
            email=body.email,
            phone=body.phone,
            ttl_seconds=ttl,
            now=now,
        )
        expires = dt.datetime.fromtimestamp(now + ttl, tz=dt.UTC)
    return UserInvitePublic(
        user=UserPublic.from_stored(created), token=token, token_expires_at=expires
    )


@router.get("/users", response_model=UsersPublic)
async def read_users(
    _admin: AdminUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> UsersPublic:
    """Users, newest first."""
    users = await list_users(session, limit=limit, offset=offset)
    return UsersPublic(data=[UserPublic.from_stored(u) for u in users], count=len(users))


@router.post("/api-keys", response_model=ApiKeyCreatedPublic, status_code=status.HTTP_201_CREATED)
async def create_api_key(
    admin: AdminUser, session: SessionDep, body: ApiKeyCreate
) -> ApiKeyCreatedPublic:
    """Issue an API key; the key is in this response only (its SHA-256 is stored)."""
    owner = body.user_id or admin.user_id
    if await get_user(session, user_id=owner) is None:
        raise NotFoundError(f"no user {owner}")
    made = new_api_key()
    row = await add_api_key(
        session, user_id=owner, name=body.name, prefix=made.prefix, key_hash=made.key_hash
    )
    return ApiKeyCreatedPublic(**ApiKeyPublic.from_row(row).model_dump(), key=made.key)


@router.get("/api-keys", response_model=ApiKeysPublic)
async def read_api_keys(
    _admin: AdminUser,
    session: SessionDep,
    user_id: Annotated[str | None, Query(pattern=USER_ID)] = None,
) -> ApiKeysPublic:
    """Issued keys (without secrets), newest first."""
    rows = await list_api_keys(session, user_id=user_id)
    return ApiKeysPublic(data=[ApiKeyPublic.from_row(r) for r in rows], count=len(rows))


@router.delete(
    "/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def delete_api_key(
    _admin: AdminUser, session: SessionDep, key_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> Response:
    """Revoke a key: it stops working at once."""
    if not await revoke_api_key(session, key_id):
        raise NotFoundError(f"no live API key {key_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
