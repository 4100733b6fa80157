"""CLI output: the consoles, JSON or human rendering, and how money, sizes and durations read."""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from datetime import datetime, timezone
from typing import Any, Callable, Collection, Sequence

from rich.console import Console, Group, RenderableType
from rich.filesize import decimal
from rich.markup import escape
from rich.table import Column, Table
from rich.text import Text

from larouter.textsafe import UNSAFE_RE, for_terminal as plain
from larouter.usage.money import exact_places

_NOT_ASCII = re.compile("[\x7f-\U0010ffff]")  # (JSON has escaped C0 in its strings: a raw one is its own line break)


class StdoutConsole(Console):
    """The stdout console: a reader that went away (`larouter ... | head -1`) is left to `LarouterGroup`, which ends
    every command the same way then, instead of rich's own exit 1."""

    def on_broken_pipe(self) -> None:
        raise  # noqa: PLE0704 - called by rich inside its `except BrokenPipeError:`: that error, as it was


def console() -> Console:
    """stdout console (built per call, so redirected streams such as CliRunner's are honoured)."""
    return StdoutConsole(highlight=False, emoji=False)  # (`:fire:` in a provider's name stays as written)


def err_console() -> Console:
    """stderr console, for progress, spinners, hints and errors."""
    return Console(stderr=True, highlight=False, emoji=False)


def _json_escape(m: re.Match[str]) -> str:
    c = m.group()
    return json.dumps(c)[1:-1] if UNSAFE_RE.match(c) or unicodedata.category(c) == "Cf" else c


def json_text(data: Any) -> str:
    """Indented JSON, its text as written ("证明", not "\\u8bc1\\u660e"), but for what would drive or disguise a
    terminal: C1 controls, DEL, bidi controls (textsafe's UNSAFE: JSON escapes only C0) and the other format
    characters (zero-width ones, tags) are `\\u` escapes (`\\u202e`), the same JSON to a script. Any of them in a
    setting (another local user may PATCH one into a model name) reached the owner's terminal raw (review AH)."""
    return _NOT_ASCII.sub(_json_escape, json.dumps(data, indent=2, ensure_ascii=False))


def print_json(data: Any) -> None:
    """`json_text` on stdout (all escaped if stdout cannot take it): every `--json` of the CLI."""
    text = json_text(data)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except UnicodeEncodeError:  # a stdout that is not UTF-8, or a lone surrogate: escaped, the same JSON
        text = json.dumps(data, indent=2)
    sys.stdout.write(text + "\n")


WIDEST = 10_000  # columns: what a table may need, measured
EMPTY = ("", "—")  # a cell with nothing to say


class FittedTable(Table):
    """A table from `fitted_table`, which `emit` prints whole."""


def emit(data: Any, as_json: bool, human: Callable[[Any], RenderableType]) -> None:
    """Print JSON, or the human rendering (text or a rich renderable), to stdout: a `fitted_table` (alone or in a
    Group) that needs more than the terminal's width at that width, rather than cut short."""
    if as_json:
        print_json(data)
        return
    shown = human(data)
    out = console()
    if isinstance(shown, str):
        out.print(shown, soft_wrap=True)
        return
    parts = shown.renderables if isinstance(shown, Group) else [shown]
    wide = [out.measure(part, options=out.options.update_width(WIDEST)).minimum for part in parts
            if isinstance(part, FittedTable)]
    if max(wide, default=0) > out.width:
        out.width = max(wide)
    out.print(shown)


def fitted_table(headers: Sequence[str], rows: Sequence[Sequence[str | Text]], wrap: Collection[str] = (),
                 **options: Any) -> FittedTable:
    """A table whose ids, names and numbers are never cut short or wrapped (each such column is as wide as its widest
    cell: `emit` prints a table that needs more than the terminal's width at the width it needs), and whose prose
    columns (`wrap`, by header) wrap; a column with nothing in any row (`—`) is left out. Cells are plain text (a
    string is never read as markup)."""
    cells = [[cell if isinstance(cell, Text) else Text(cell) for cell in row] for row in rows]
    kept = [i for i in range(len(headers)) if not cells or any(row[i].plain not in EMPTY for row in cells)]
    columns = [Column(headers[i], overflow="fold") if headers[i] in wrap else
               Column(headers[i], no_wrap=True, min_width=max(len(headers[i]), *(row[i].cell_len for row in cells)))
               for i in kept]
    table = FittedTable(*columns, **options)
    for row in cells:
        table.add_row(*(row[i] for i in kept))
    return table


def id_column(header: str, values: list[str]) -> Column:
    """A table column for identifiers people copy: never truncated or wrapped."""
    return Column(header, no_wrap=True, min_width=max([len(header), *map(len, values)]))


def safe(text: str) -> str:
    """`plain` (`textsafe.for_terminal`), and rich's markup escaped: a value from the daemon in a table or a console
    line."""
    return escape(plain(text))


def money(value: float | None, places: int = 4) -> str:
    """`$1.2345` (`places` decimals), or `—` when unknown (unpriced). An amount too small for two significant digits
    at `places` decimals gets them (`$0.000012`, `$0.00003`), so a cost that is not zero never reads as zero; zero is
    `$0.0000` (`$0.00` with 2 places)."""
    if value is None:
        return "—"
    digits = places
    if value and abs(value) < 10 ** (1 - places):
        digits = max(places, 1 - math.floor(math.log10(abs(value))))
    whole, _, frac = f"{value:,.{digits}f}".partition(".")
    frac = frac[:places] + frac[places:].rstrip("0")
    return f"${whole}.{frac}" if frac else f"${whole}"


def cap_money(value: float) -> str:
    """A budget as it was set: `$5.00`, `$4.999`, `$0.125` (rounded, a cap could read higher than it is)."""
    return money(value, exact_places([value], 2, 10))


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 call`, `0 calls`, `1,204 calls` (`many`: the plural when it is not noun + s)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def size(value: int | None) -> str:
    """Decimal bytes: `1.2 GB`."""
    return "—" if not value else decimal(value)


def duration(seconds: float | None) -> str:
    """`3d 4h`, `2h 05m`, `4m 10s`, `12s`."""
    if seconds is None:
        return "—"
    s = int(seconds)
    d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if d:
        return f"{d}d {h}h"
    if h:
        return f"{h}h {m:02d}m"
    return f"{m}m {s % 60:02d}s" if m else f"{s}s"


def ago(stamp: Any) -> str:
    """An ISO time from the daemon (`2026-04-17T09:30:00.000000Z`) as how long ago it was (`4m 10s ago`); the text as
    it came when it is no such time."""
    try:
        when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        seconds = (datetime.now(timezone.utc) - when).total_seconds()
    except (TypeError, ValueError):
        return str(stamp)
    return f"{duration(max(seconds, 0.0))} ago"
