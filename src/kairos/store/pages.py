"""Paging: what a list call asks for and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class Page:
    limit: int = 50
    offset: int = 0
    cursor: str | None = None


@dataclass(frozen=True, kw_only=True)
class PageResult(Generic[T]):
    items: list[T]
    total: int
    has_more: bool
    next_cursor: str | None
    total_exact: bool = True
