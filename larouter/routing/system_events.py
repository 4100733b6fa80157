"""OpenClaw's system events in a heartbeat: `System: [2026-03-04 07:12:03 GMT+1] Reminder: call the dentist`.

`openclaw system event --text …` and cron jobs with `--system-event` queue an event; the next heartbeat carries it
as a `System:` line before its prompt, and the heartbeat runs to handle it. So an event is news (a reminder, a
command that failed, a mail, "Check for urgent follow-ups"), unless it reports a routine run that ended well and says
nothing more ("Exec completed (brisk-fern, code 0) :: backup-photos.sh: 1,204 files scanned, 0 changed, 0 errors").
"""

from __future__ import annotations

import re

from larouter.routing.compiled import QuietVocabulary
from larouter.routing.quiet import says_none

_EVENT_RE = re.compile(r"^[ \t]*System:[ \t]*\[[^\]\n]*\][ \t]*(\S[^\n]*)", re.M)
# A run that ended well: "Exec completed (…, code 0)", "exited with code 0", "finished OK".
_ENDED_WELL_RE = re.compile(r"\b(?:completed|finished|done|succeeded|exited)\b[^\n]*?(?:\bcode:? 0\b|\bexit(?:ed)?"
                            r"(?: with)?(?: code| status)? 0\b|\bok\b|\bsuccess(?:fully)?\b)", re.I)
_NEWS_RE = re.compile(r"\b(?:could not|couldn't|cannot|can't|expir\w*|vulnerab\w*|unread|pending|skipped|missing"
                      r"|not found|blocked|outdated|behind|deprecated|\d{2,3}\s?% used|9\d\s?%)\b", re.I)
_TROUBLE_RE = re.compile(r"\b(?:fail\w*|error:|errors?:? [1-9]|[1-9]\d* errors?|denied|refused|timeout|timed out"
                         r"|no space|killed|crash\w*|exception|traceback|warnings?:? [1-9]|[1-9]\d* warnings?)\b", re.I)


def system_event_news(raw: str, vocab: QuietVocabulary) -> str:
    """The first `System:` event of the turn (as written before its envelope was stripped) that is news, or ""."""
    if "System:" not in raw:
        return ""
    for m in _EVENT_RE.finditer(raw):
        event = m.group(1)
        if all(says_none(clause, vocab) for clause in _CLAUSES_RE.split(event) if clause.strip()):
            continue  # "No new mail since 06:00" (every clause: not "no new mail from clients; Dana asked …")
        if event.startswith(_EXEC) and _ENDED_WELL_RE.search(event) and _quiet_output(event):
            continue  # a command that exited 0 and whose output reports no trouble and counts nothing
        return event
    return ""


_EXEC = ("Exec ", "exec ")  # OpenClaw's background-exec events ("Exec completed (brisk-fern, code 0) :: …")
_CLAUSES_RE = re.compile(r"[;,.]\s+|\s+but\s+")


def _quiet_output(event: str) -> bool:
    """Whether a finished command's output (after "::") reports nothing: no trouble, no count but zeros ("1,204
    files scanned, 0 changed, 0 errors" counts what was scanned: that alone passes; "37 could not be read" does not)."""
    output = event.partition("::")[2]
    if _TROUBLE_RE.search(output) or _NEWS_RE.search(output):
        return False
    return True
