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
_TROUBLE_RE = re.compile(r"\b(?:fail\w*|error:|errors?:? [1-9]|[1-9]\d* errors?|denied|refused|timeout|timed out"
                         r"|no space|killed|crash\w*|exception|traceback|warnings?:? [1-9]|[1-9]\d* warnings?)\b", re.I)


def system_event_news(raw: str, vocab: QuietVocabulary) -> str:
    """The first `System:` event of the turn (as written before its envelope was stripped) that is news, or ""."""
    if "System:" not in raw:
        return ""
    for m in _EVENT_RE.finditer(raw):
        event = m.group(1)
        if says_none(event, vocab) or (_ENDED_WELL_RE.search(event) and not _TROUBLE_RE.search(event)):
            continue  # "no new mail", a run that ended well and reports no trouble
        return event
    return ""
