"""What a status line says when it only times an event ("last run 09:00", "laatste sync 06:12", "updated 10:02"): no
news, and no task either."""

from __future__ import annotations

import re

# What a clause says when it only times an event: "last run", "next sync", "updated", "since" (and "last" in a few
# languages), followed by its time.
STATUS_TIME_RE = re.compile(r"(?:(?:last|next|previous|letzte[rns]?|nächste[rns]?|derni[eè]re?|prochaine?|[uú]ltim[oa]"
                            r"|pr[oó]xim[oa]|ostatni[aey]?|następn[aey]|последн\w*|следующ\w*|laatste|volgende|vorige"
                            r"|senaste|nästa|seneste|næste|siste|neste)(?:\s+[^\W\d_]+){1,2}"
                            r"|since|updated|as of|checked(?: at)?|seit|depuis|desde|dal)\s*[:=]?", re.I)
# The same with its time, opening a list item or its value ("voorraad-sync: laatste run 09:00, 0 fouten"): a status
# line, not a task timed 09:00 (not "remind Sam about the last payment at 17:00").
TIMED_STATUS_RE = re.compile(r"(?:^|^[^:\n]{1,40}:\s*)(?:" + STATUS_TIME_RE.pattern
                             + r")\s*(?:\d{4}-\d{2}-\d{2}[T ])?\d{1,2}[:.h]\d{2}\b", re.I)
