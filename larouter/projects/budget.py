"""Budgets: reserve the worst case before a paid call, settle to the actual cost after it."""

from __future__ import annotations

import asyncio
import functools
import math
from datetime import date, datetime, timedelta, timezone
from typing import Awaitable, Callable

import attrs

from larouter.errors import LarouterError
from larouter.projects.store import Project
from larouter.usage.pricing import round_usd

SpentOf = Callable[[str, datetime], Awaitable[float]]
DEFAULT_MAX_TOKENS = 4096  # worst-case completion when the request sets no max_tokens


def window_start(window: str, now: datetime | None = None) -> datetime:
    """Start (UTC) of the current daily, weekly (Monday) or monthly budget window."""
    now = now or datetime.now(timezone.utc)
    return _window_of_day(window, now.date())


@functools.lru_cache(maxsize=64)
def _window_of_day(window: str, today: date) -> datetime:
    day = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    if window == "daily":
        return day
    if window == "weekly":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


@attrs.define(eq=False)
class Reservation:
    """Money set aside for one call."""

    project_id: str
    window: datetime
    amount: float
    settled: bool = False


@attrs.define
class Budgets:
    """Per-project spend (loaded from the ledger once per window) plus in-flight reservations."""

    spent_of: SpentOf
    spent: dict[tuple[str, datetime], float] = attrs.Factory(dict)
    reserved: dict[tuple[str, datetime], float] = attrs.Factory(dict)
    locks: dict[str, asyncio.Lock] = attrs.Factory(dict)

    async def _load(self, project: Project) -> tuple[str, datetime]:
        key = (project.id, window_start(project.budget_window))
        if key not in self.spent:
            async with self.locks.setdefault(project.id, asyncio.Lock()):
                if key not in self.spent:
                    self.spent[key] = await self.spent_of(project.id, key[1])
        return key

    async def remaining(self, project: Project) -> float | None:
        """Budget left in the current window (None when unlimited)."""
        if project.budget_usd is None:
            return None
        key = await self._load(project)
        return max(project.budget_usd - self.spent[key] - self.reserved.get(key, 0.0), 0.0)

    async def view(self, project: Project) -> dict[str, object]:
        """`{budgetUsd, window, windowStart, spent, reserved, remaining}` for usage responses, money rounded."""
        key = await self._load(project)
        remaining = await self.remaining(project)
        return {"budgetUsd": project.budget_usd, "window": project.budget_window, "windowStart": key[1].date().isoformat(),
                "spent": round_usd(self.spent[key]), "reserved": round_usd(self.reserved.get(key, 0.0)),
                "remaining": None if remaining is None else round_usd(remaining)}

    def _over(self, key: tuple[str, datetime], project: Project, amount: float) -> bool:
        return self.spent[key] + self.reserved.get(key, 0.0) + amount > (project.budget_usd or 0.0) + 1e-12

    async def fits(self, project: Project, amount: float) -> bool:
        """Whether `reserve(project, amount)` would succeed now (reserves nothing)."""
        return project.budget_usd is None or not self._over(await self._load(project), project, amount)

    async def reserve(self, project: Project, amount: float) -> Reservation | None:
        """Set aside `amount`; None when that would exceed the budget. Check-and-add has no await between."""
        if project.budget_usd is None:
            return Reservation(project.id, window_start(project.budget_window), 0.0)
        key = await self._load(project)
        if self._over(key, project, amount):
            return None
        self.reserved[key] = self.reserved.get(key, 0.0) + amount
        return Reservation(project.id, key[1], amount)

    def settle(self, res: Reservation, actual: float | None) -> None:
        """Release the reservation and book the actual cost (unknown prices book nothing)."""
        if res.settled:
            return
        res.settled = True
        key = (res.project_id, res.window)
        if key in self.reserved:
            self.reserved[key] = max(self.reserved[key] - res.amount, 0.0)
        if actual and key in self.spent:
            self.spent[key] += actual


def usd(amount: float) -> str:
    """Dollars with cents, or with the significant digits a sub-cent amount needs ($0.0042, not $0.00)."""
    if amount == 0 or abs(amount) >= 0.01:
        return f"${amount:,.2f}"
    return f"${amount:.{1 - math.floor(math.log10(abs(amount)))}f}".rstrip("0")  # two significant digits


def budget_exceeded(project: Project, remaining: float | None, detail: str = "") -> LarouterError:
    """HTTP 402 with the budget_exceeded type and code; `detail` says why the request does not fit."""
    left = 0.0 if remaining is None else remaining
    return LarouterError(
        f"project {project.name!r} has {usd(left)} of its {project.budget_window} budget "
        f"({usd(project.budget_usd or 0.0)}) left, not enough for this request{detail}",
        402, "budget_exceeded", "budget_exceeded")
