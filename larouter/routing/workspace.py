"""The HEARTBEAT.md a framework inlines into its system prompt, read as the check-in's checklist, and the clock it
writes there.

OpenClaw loads its workspace files into the system prompt at session start ("# Project Context … ## HEARTBEAT.md
…"), and its heartbeat poll says only "Read HEARTBEAT.md if it exists … If nothing needs attention, reply
HEARTBEAT_OK": the tasks that may be due are in that file, not in the poll. The classifier never reads the system
prompt for signals; this module reads that one file out of it, only once the latest user turn is a check-in, and
only its section (up to the next heading of its level, its closing tag or delimiter, at most `_MAX_CHARS`).

nanobot writes the time into its system prompt ("## Current Time\n2026-03-10 14:30 (Tuesday)") and its poll names
none: `system_clock` reads that line, only to date a check-in's checklist when the poll itself gives no date.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from larouter.routing.due import Checkin, checkin
from larouter.routing.turns import read_content

_FILE = "HEARTBEAT.md"
_MAX_CHARS = 6000  # a checklist, not a document: OpenClaw asks to keep HEARTBEAT.md tiny
_SYSTEM_ROLES = frozenset({"system", "developer"})
# Where the file's section opens: a Markdown heading naming it ("## HEARTBEAT.md", "### workspace/HEARTBEAT.md"),
# a delimiter line ("--- HEARTBEAT.md ---", "=== HEARTBEAT.md ==="), or a file tag (`<file path="HEARTBEAT.md">`).
# (Matched on the lines that name the file only: tried at every line of a 20 KB system prompt, it cost ~100 us.)
_OPEN_RE = re.compile(r"(?:(#{1,6})[ \t]+`?(?:[\w.~-]*/)*HEARTBEAT\.md`?[ \t]*:?"
                      r"|([-=]{3,})[ \t]*(?:[\w.~-]*/)*HEARTBEAT\.md[ \t]*[-=]*"
                      r"|<(file|document)\b[^>\n]*HEARTBEAT\.md[^>\n]*>)[ \t]*")
_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*)$", re.M)
# A heading that is a file's path ("## /home/ada/…/TOOLS.md"; not "## Backups / NAS", "## shop.example.com").
_FILE_PATH_RE = re.compile(r"^\s*`?(?:[A-Za-z]:)?[~.]?[/\\][^\s`]*\.(?:md|txt|json|ya?ml|toml)`?\s*$", re.I)  # (the heading
# is the path alone: "## Inbox: ~/notes/inbox.md" names a file the checklist watches, review 25)
_FENCE_RE = re.compile(r"^[ \t]*(?:```|~~~)", re.M)
# The sections OpenClaw's system prompt writes after its project context (the files it loaded).
_SECTIONS = frozenset({"silent replies", "heartbeats", "runtime", "reasoning format", "group chat context",
                       "reactions", "messaging", "project context"})
# The clock line of a system prompt: "## Current Time\n2026-03-10 14:30 (Tuesday)", "Current date and time: …".
_CLOCK_RE = re.compile(r"^(?:#{1,6}[ \t]+)?current (?:date and time|date|time)\b[ \t]*:?[ \t]*\n?([^\n]{8,80})",
                       re.I | re.M)


def _system_text(messages: Sequence[Any]) -> str:
    """The text of the system (or developer) messages at the conversation's start, whole."""
    return "\n".join(read_content(msg.get("content"), sys.maxsize, 0)[0] for msg in messages[:3]
                     if isinstance(msg, Mapping) and msg.get("role") in _SYSTEM_ROLES)


def _opening(system: str) -> re.Match[str] | None:
    """The line that opens the file's section (see `_OPEN_RE`), if one does."""
    at = system.find(_FILE)
    while at >= 0:
        line_start = system.rfind("\n", 0, at) + 1
        line_end = system.find("\n", at)
        m = _OPEN_RE.fullmatch(system, line_start, len(system) if line_end < 0 else line_end)
        if m is not None:
            return m
        at = system.find(_FILE, at + len(_FILE) if line_end < 0 else line_end)
    return None


def inlined_checklist(messages: Sequence[Any]) -> str:
    """The HEARTBEAT.md section of the system prompt ("" when there is none)."""
    system = _system_text(messages)
    m = _opening(system)
    if m is None:
        return ""
    start = m.end()
    end = min(len(system), start + _MAX_CHARS)
    if m[1]:  # a heading: up to the next heading of its level or above that is not the file's own title; under a
        # path ("## /home/ada/.openclaw/workspace/HEARTBEAT.md") up to the next file's path or the prompt's closing
        # sections, the file's own headings being its content ("## Cluster (k3s)", blind v44; "## Backups / NAS",
        # "## CI/CD", "## Messaging", a shell comment in a code fence, review 24)
        opening = system[m.start(): m.end()]
        path = "/" in opening or "\\" in opening
        base = opening[opening.find("#") + len(m[1]):].strip(" \t`:").rsplit(_FILE, 1)[0]  # ("/home/ada/…/workspace/":
        # the next file is one of its neighbours; "## ~/notes/inbox.md" in the file names a file it watches, review 27)
        fences: list[int] | None = None  # (where code fences open and close: looked for only past a fence mark)
        for h in _HEADING_RE.finditer(system, start, end):
            if len(h[1]) > len(m[1]) or "heartbeat" in h[2].lower():
                continue  # (its own title)
            if fences is None and (system.find("```", start, h.start()) >= 0 or system.find("~~~", start, h.start()) >= 0):
                fences = [f.start() for f in _FENCE_RE.finditer(system, start, end)]
            if fences and bisect.bisect(fences, h.start()) % 2:
                continue  # (a shell comment inside a code fence)
            if not path or _FILE_PATH_RE.search(h[2]) and h[2].strip(" \t`").startswith(base) or (
                    h[2].strip().lower() in _SECTIONS) and _closing(
                    system, h.start(), end, len(m[1])):
                end = h.start()
                break
    elif m[2]:
        close = system.find("\n" + m[2][:3], start, end)
        end = close if close >= 0 else end
    else:
        close = system.find(f"</{m[3]}>", start, end)
        end = close if close >= 0 else end
    return system[start:end]


def _closing(system: str, at: int, end: int, level: int) -> bool:
    """Whether every heading of `level` or above from `at` on is a file's path or one of the prompt's own closing
    sections (a checklist's own "## Messaging" is followed by its own headings)."""
    return all(_FILE_PATH_RE.search(g[2]) or g[2].strip().lower() in _SECTIONS
               for g in _HEADING_RE.finditer(system, at, end) if len(g[1]) <= level)


def system_checklist(messages: Sequence[Any]) -> str:
    """The periodic checklists a scheduler-woken agent's system prompt holds ("NODE CHECKLIST (run on every `node-watch`
    wake):", "## Node checklist (every `node-watch` wake)", "CONTROLLO PERIODICO (ogni ora):"), read like an inlined
    HEARTBEAT.md for what its lookups are judged against: each from its header to the next heading or header, blank
    lines and group labels included ("Disk:", an indented paragraph: a checklist read in part let what it left out
    read as quiet, review 26), every one of them ("" when there is none; blind v46)."""
    system = _system_text(messages)
    headers = [m for at, line in _header_lines(system) if any(map(line.lower().__contains__, _PERIODIC_WORDS))
               and (m := _PERIODIC_RE.match(system, at)) is not None]
    parts = []
    for i, m in enumerate(headers):
        end = min(len(system), m.end() + _MAX_CHARS, headers[i + 1].start() if i + 1 < len(headers) else len(system))
        level = len(m[0]) - len(m[0].lstrip("#")) if m[0].startswith("#") else 2  # (its own sub-headings are its
        heading = next((h for h in _HEADING_RE.finditer(system, m.end(), end) if len(h[1]) <= level), None)  # content:
        parts.append(system[m.start(): heading.start() if heading is not None else end])  # "### Disk", review 27)
    return "\n".join(parts)


def _header_lines(system: str) -> Iterator[tuple[int, str]]:
    """Where each line that may be a header starts, and the line: a heading, or a line ending in a colon or a
    bracket (the periodic words are looked for in these only: over a 26 KB system prompt, ~40 substring scans of it
    cost ~0.4 ms, and the header pattern tried at every line ~0.5 ms more)."""
    at = 0
    for line in system.split("\n"):
        end = line.rstrip()
        if end and (end[-1] in ":：]" or end.lstrip()[:1] == "#") and len(end) <= _MAX_HEADER:
            yield at, line
        at += len(line) + 1


_MAX_HEADER = 200  # (a header's line: its words and a bracket; `_PERIODIC_RE` reads at most ~160 characters)
_PERIODIC_WORDS = ("checklist", "periodic", "periódica", "periodica", "periodisch", "périodique", "wake", "tick",
                   "routine", "controllo", "revisión", "prüfung", "vérification", "controle", "kontrolle", "kontroln",
                   "pobudc", "okresow", "kontrollist", "lista de", "liste de", "lista di", "チェックリスト", "检查清单",
                   "巡检", "定期", "체크리스트", "kontrol listesi", "daftar periksa", "чек-лист", "при каждом", "prüfliste",
                   "kontrollliste", "daily", "nightly", "hourly", "diaria", "quotidienne", "tägliche", "giornalier",
                   "diária")
# A header naming the periodic check: a heading, or a line ending in a colon or a bracket (in more languages, blind
# v47: "Lista kontrolna przy każdej pobudce:").
_PERIODIC_WORDS_RE = (r"[^\n]{0,60}(?:\b(?:checklist|periodic\w*|periódica|periodica|periodische?|périodique"
                      r"|controllo periodico|revisión|prüfung|vérification|kontrolle|(?:on|at) every (?:wake|tick|run|beat)"
                      r"|scheduled wake|lista kontrolna|kontrola okresowa|przy każdej pobudce|kontrollista|controlelijst"
                      r"|lista de (?:control|comprobación|verificación|verificação|checagem)|lista di controllo"
                      r"|liste de contrôle|kontrol listesi|daftar periksa|чек-лист|при каждом (?:пробуждении|запуске)"
                      r"|prüfliste|kontrollliste|(?:daily|nightly|hourly) (?:tasks?|checks?|routine)"
                      r"|tarea (?:diaria|programada|periódica)|tâche (?:quotidienne|planifiée)|tägliche (?:aufgabe|prüfung)"
                      r"|controllo giornaliero|tarefa (?:diária|programada))\b"
                      r"|チェックリスト|检查清单|巡检|定期(?:チェック|点検|检查|巡回)|체크리스트)[^\n]{0,90}")
_PERIODIC_RE = re.compile(rf"(?im)^(?:#{{1,6}}[ \t]+{_PERIODIC_WORDS_RE}|\[?{_PERIODIC_WORDS_RE}(?::|：|\])[ \t]*)\n")


def system_clock(messages: Sequence[Any]) -> Checkin:
    """The date and time the system prompt gives as the current ones (see the module's docstring); Nones when it
    gives none."""
    system = _system_text(messages)
    at = system.lower().find("current ")
    m = _CLOCK_RE.search(system, system.rfind("\n", 0, at) + 1) if at >= 0 else None
    return checkin(m[1]) if m is not None else (None, None, None)
