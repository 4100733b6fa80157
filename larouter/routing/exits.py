"""A job that ended with a non-zero exit status, as a check-in's report or a lookup says it."""

from __future__ import annotations

import re

# A job's exit status that is not 0 ("restic last run: 03:00 exit 1", "backup.sh exited with code 2", "rc=137",
# "exit_code: 1"): the job failed, whatever the report says around it. Matched from each keyword (one pattern of all
# forms, tried at every position, cost ~10 us a turn).
_EXIT_TAIL = re.compile(r"(?:ed)?(?:[ _]?(?:code|status))?(?: with(?: code| status)?)?\s?[=:]?\s?([1-9]\d{0,2})(?![\d.])",
                        re.I)
_CODE_TAIL = re.compile(r"\s?[=:]?\s?([1-9]\d{0,2})(?![\d.])")
_EXIT_WORDS = (("exit", _EXIT_TAIL), ("rc", _CODE_TAIL), ("return code", _CODE_TAIL), ("returncode", _CODE_TAIL),
               ("status code", _CODE_TAIL))


def failed_exit(text: str, lower: str) -> bool:
    """Whether the turn reports a job that ended with a non-zero exit status."""
    for word, tail in _EXIT_WORDS:
        at = lower.find(word)
        while at >= 0:
            end = at + len(word)
            if not (at and lower[at - 1].isalnum()) and tail.match(text, end) is not None:
                return True
            at = lower.find(word, end)
    return False
