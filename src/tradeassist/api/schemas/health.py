"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["CheckPublic", "LivenessPublic", "ReadinessPublic"]


class LivenessPublic(BaseModel):
    status: Literal["ok"] = "ok"


class CheckPublic(BaseModel):
    """One dependency: usable or not, and why not."""

    ok: bool
    detail: str | None = None


class ReadinessPublic(BaseModel):
    """``ready`` when every configured dependency answers; ``detail`` names the failing ones."""

    status: Literal["ready", "unavailable"]
    detail: str = Field(examples=["ready", "not ready: database"])
    checks: dict[str, CheckPublic]
