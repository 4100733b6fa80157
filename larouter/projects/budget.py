"""Budgets: reserve the worst case before a paid call, settle to the actual cost after it.

Spend is the ledger's: what it committed for the project since its current window began (read once per window
start), plus every cost booked since, each counted in every window of the project that holds its call's start
(the ledger files a call under the time it began). Every window start the project could have today is kept current
that way, not only the one in use, so a window switched back and forth never finds a stale figure; other starts
are forgotten and read again when needed. Reservations belong to the project, not to a window: money that a call
in flight may still spend counts against whatever window is current, after a window change or a period rollover
too. The project (budget and window) is read at every admission, so a change applies to the next call.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from datetime import date, datetime, timedelta, timezone
from typing import Awaitable, Callable

import attrs

from larouter.errors import LarouterError
from larouter.projects.store import WINDOWS, Project
from larouter.usage.money import exact_places, round_usd
from larouter.usage.records import utc_now

log = logging.getLogger("larouter.budget")

SpentOf = Callable[[str, datetime, datetime], Awaitable[float]]  # (project, window start, its end)
Clock = Callable[[], datetime]
DEFAULT_MAX_TOKENS = 4096  # worst-case completion when the request sets no max_tokens
READS = 3  # reads of a window's spend while calls of the project settle meanwhile, before counting them anyway
OVERRUN_LOG_EVERY = 600.0  # seconds between two warnings about one model's calls costing more than reserved
EPSILON = 1e-12  # float noise allowed when comparing money


def window_start(window: str, now: datetime | None = None) -> datetime:
    """Start (UTC) of the current daily, weekly (Monday) or monthly budget window."""
    now = now or utc_now()
    return _window_of_day(window, now.astimezone(timezone.utc).date())


def window_end(window: str, start: datetime) -> datetime:
    """The end (the next window's start) of the daily, weekly or monthly budget window starting at `start`."""
    if window == "daily":
        return start + timedelta(days=1)
    if window == "weekly":
        return start + timedelta(days=7)
    return (start + timedelta(days=32)).replace(day=1)


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
    """Money set aside for one call of a project (against whichever window is current until it settles)."""

    project_id: str
    amount: float
    settled: bool = False
    remaining: float | None = None  # budget left in the window once this was set aside (None: no budget)


@attrs.define
class Budgets:
    """Per-project spend by window start (ledger plus bookings since), reservations in flight per project."""

    spent_of: SpentOf
    clock: Clock = utc_now
    # project -> (window, its start) -> spend in it (daily and weekly windows start alike on Mondays, daily and
    # monthly on the 1st: keyed by start alone, a call stamped ahead of today, by a clock that ran fast, counted in
    # whichever was read first, review AJ)
    spent: dict[str, dict[tuple[str, datetime], float]] = attrs.Factory(dict)
    reserved: dict[str, float] = attrs.Factory(dict)  # project -> money held for its calls in flight
    in_flight: dict[str, int] = attrs.Factory(dict)  # project -> calls holding a reservation
    locks: dict[str, asyncio.Lock] = attrs.Factory(dict)
    reading: dict[str, list[tuple[datetime, float]]] = attrs.Factory(dict)  # bookings while the ledger is read
    overruns: dict[str, float] = attrs.Factory(dict)  # model -> monotonic time of its last overrun warning

    async def _load(self, project: Project) -> tuple[str, datetime]:
        """The project's current window and its start, its spend read from the ledger unless known already."""
        key = (project.budget_window, window_start(project.budget_window, self.clock()))
        if key in self.spent.get(project.id, {}):
            return key
        async with self.locks.setdefault(project.id, asyncio.Lock()):
            known = self.spent.setdefault(project.id, {})
            if key not in known:
                spent = await self._read(project.id, key[1], window_end(*key))
                keep = {(window, window_start(window, self.clock())) for window in WINDOWS} | {key}
                for old in [old for old in known if old not in keep]:  # a past day, week or month
                    del known[old]
                known[key] = spent
        return key

    async def _read(self, project_id: str, start: datetime, end: datetime) -> float:
        """The ledger's spend in [start, end) (a call stamped later, by a clock that ran fast, counts in its own
        window). A call booked while the ledger is read may or may not be in the figure read, so read again (it is
        then); if calls keep settling, count them (too much, never too little)."""
        spent, booked = 0.0, []
        for _ in range(READS):
            booked = self.reading[project_id] = []
            try:
                spent = await self.spent_of(project_id, start, end)
            finally:
                self.reading.pop(project_id, None)
            if not booked:
                return spent
        return spent + sum(cost for at, cost in booked if start <= at < end)

    def _held(self, project: Project) -> float:
        return self.reserved.get(project.id, 0.0)

    def holding(self, project: Project) -> tuple[float, int]:
        """The money held for the project's calls in flight, and how many calls hold it."""
        return self._held(project), self.in_flight.get(project.id, 0)

    async def remaining(self, project: Project) -> float | None:
        """Budget left in the current window (None when unlimited)."""
        if project.budget_usd is None:
            return None
        return self._left(project, await self._load(project))

    def _left(self, project: Project, key: tuple[str, datetime]) -> float:
        return max((project.budget_usd or 0.0) - self.spent[project.id][key] - self._held(project), 0.0)

    async def view(self, project: Project) -> dict[str, object]:
        """`{budgetUsd, window, windowStart, spent, reserved, remaining}` for usage responses, money rounded."""
        key = await self._load(project)
        spent, held = self.spent[project.id][key], self._held(project)
        remaining = None if project.budget_usd is None else round_usd(max(project.budget_usd - spent - held, 0.0))
        return {"budgetUsd": project.budget_usd, "window": project.budget_window,
                "windowStart": key[1].date().isoformat(),
                "spent": round_usd(spent), "reserved": round_usd(held), "remaining": remaining}

    def _over(self, key: tuple[str, datetime], project: Project, amount: float) -> bool:
        spent = self.spent[project.id][key]
        return spent + self._held(project) + amount > (project.budget_usd or 0.0) + EPSILON

    async def fits(self, project: Project, amount: float) -> bool:
        """Whether `reserve(project, amount)` would succeed now (reserves nothing)."""
        return project.budget_usd is None or not self._over(await self._load(project), project, amount)

    async def reserve(self, project: Project, amount: float) -> Reservation | None:
        """Set aside `amount`; None when that would exceed the budget. Check-and-add has no await between. The
        reservation carries the budget then left (`remaining`), from the same read of the window: one per call."""
        key = None if project.budget_usd is None else await self._load(project)
        if key is not None and self._over(key, project, amount):
            return None
        self.reserved[project.id] = self._held(project) + amount
        self.in_flight[project.id] = self.in_flight.get(project.id, 0) + 1
        return Reservation(project.id, amount, remaining=None if key is None else self._left(project, key))

    def release(self, res: Reservation) -> None:
        """Give a reservation's money back (once); the last call in flight leaves exactly nothing held."""
        if res.settled:
            return
        res.settled = True
        left = self.in_flight.get(res.project_id, 0) - 1
        if left <= 0:
            self.in_flight.pop(res.project_id, None)
            self.reserved.pop(res.project_id, None)
        else:
            self.in_flight[res.project_id] = left
            self.reserved[res.project_id] = max(self.reserved.get(res.project_id, 0.0) - res.amount, 0.0)

    def book(self, project_id: str, cost: float | None, at: datetime) -> None:
        """Count a recorded call's cost (its call began `at`) in every known window of the project that holds it."""
        if not cost:
            return
        known = self.spent.get(project_id, {})
        for key in known:
            if key[1] <= at < window_end(*key):
                known[key] += cost
        if project_id in self.reading:
            self.reading[project_id].append((at, cost))

    def settle(self, res: Reservation | None, actual: float | None, project_id: str, at: datetime,
               model: str = "", name: str = "") -> None:
        """Release the reservation and book the actual cost (unknown prices book nothing); warn when the cost
        passed what was reserved (a provider that ignored max_tokens, say): the ledger keeps what was billed."""
        if res is not None:
            if (not res.settled and res.remaining is not None  # (admitted against a budget: one it can pass)
                    and actual is not None and actual > res.amount + EPSILON):
                self._overrun(res, actual, model, name or project_id)
            self.release(res)
        self.book(project_id, actual, at)

    def _overrun(self, res: Reservation, actual: float, model: str, name: str) -> None:
        """Warn (at most once per OVERRUN_LOG_EVERY per model) that a call cost more than its reservation."""
        now = time.monotonic()
        if now - self.overruns.get(model, -math.inf) < OVERRUN_LOG_EVERY:
            return
        self.overruns[model] = now
        log.warning("a call of project %r (%s) to %s cost %s, more than the %s reserved for its worst case (did the "
                    "provider ignore max_tokens, or is the model's max_output too low?): the ledger keeps what was "
                    "billed, and the budget can be passed by the difference; next warning for %s in %.0f s at the "
                    "earliest", name, res.project_id, model, usd(actual), usd(res.amount), model, OVERRUN_LOG_EVERY)


def usd(amount: float, places: int | None = None) -> str:
    """Dollars with cents, or with the significant digits a sub-cent amount needs ($0.0042, not $0.00); `places`
    decimals when given (trailing zeros past the cents dropped)."""
    whole, _, frac = f"{amount:,.{_places(amount) if places is None else places}f}".partition(".")
    frac = frac[:2] + frac[2:].rstrip("0")
    return f"${whole}.{frac}"


def usd_as_set(amount: float) -> str:
    """A budget as it was set: `$5.00`, `$0.0241` (rounded, a cap could read as another one)."""
    return usd(amount, exact_places([amount], 2, 10))


def usd_apart(more: float, less: float) -> tuple[str, str]:
    """Two amounts for `more > less` text, with the digits that show it ("$0.0245 > $0.0241", not "$0.02 > $0.02"):
    `less`, what is left, as it is (to six places at most), `more` to the same places or as many more as it needs."""
    places = max(_places(more), _places(less), exact_places([less], 2, 6))
    while round(more, places) <= round(less, places) and places < 10:
        places += 1
    return usd(more, places), usd(less, places)


def _places(amount: float) -> int:
    """Cents, or the decimals that give a sub-cent amount two significant digits."""
    return 2 if amount == 0 or abs(amount) >= 0.01 else 1 - math.floor(math.log10(abs(amount)))


def held_text(held: tuple[float, int]) -> str:
    """`$0.0099 held for 2 calls in flight` (`Budgets.holding`)."""
    money, calls = held
    return f"{usd(money)} held for {calls} call{'s' if calls != 1 else ''} in flight"


def budget_exceeded(project: Project, remaining: float | None, detail: str = "", held: tuple[float, int] = (0.0, 0),
                    worst: float | None = None) -> LarouterError:
    """HTTP 402 with the budget_exceeded type and code; `detail` says why the request does not fit (with its `worst`
    case, whose digits what is left is shown with); `held`, the money held for the project's calls in flight and how
    many (what is left may come back when they end)."""
    left = 0.0 if remaining is None else remaining
    holding = f" after {held_text(held)}" if held[1] else ""
    shown = usd_apart(worst, left)[1] if worst is not None and left > 0 else usd(left)
    return LarouterError(
        f"project {project.name!r} has {shown} of its {project.budget_window} budget "
        f"({usd_as_set(project.budget_usd or 0.0)}) left{holding}, not enough for this request{detail}",
        402, "budget_exceeded", "budget_exceeded")
