"""Shapes shared by every resource: the error body."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["ERROR_RESPONSES", "PRINTABLE", "USER_ID", "ErrorPublic", "FieldErrorPublic"]

#: Free text without control characters (PostgreSQL text cannot even hold NUL).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
#: A user id: the JWT ``sub`` (Supabase: a UUID), up to 36 characters.
USER_ID = r"^[A-Za-z0-9._:@|-]{1,36}$"


class FieldErrorPublic(BaseModel):
    """Where a request failed validation, and why."""

    loc: list[str]
    msg: str


class ErrorPublic(BaseModel):
    """Every error: a one-line message for a person and a stable code for a program."""

    detail: str = Field(examples=["token has expired"])
    code: str = Field(examples=["unauthorized"])
    errors: list[FieldErrorPublic] | None = None


def _err(description: str) -> dict[str, object]:
    return {"model": ErrorPublic, "description": description}


#: Documented on every API route, so clients (and the schema fuzzer) know the shape.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _err("Unusable input"),
    401: _err("Missing, expired or forged credentials"),
    403: _err("Not allowed for this caller"),
    404: _err("No such object"),
    413: _err("Request body too large"),
    422: _err("Request validation failed"),
    429: _err("Rate limit exceeded; see Retry-After"),
    503: _err("A backing service is unavailable"),
}
