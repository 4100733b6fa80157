"""Disk and array health in the words the tools print it: `smartctl -H` ("SMART overall-health self-assessment test
result: PASSED") and `/proc/mdstat` ("md0 : active raid1 sdb2[1] sda2[0]" / "… [2/2] [UU]"). A lookup is quiet by
this reader only when every line of it is one of these and each says healthy; any other line (an attribute table, a
rebuild in progress, a device marked "(F)", "[2/1] [U_]") leaves it to the other readers (blind v39, v40, v48: such
beats were never read as quiet).
"""

from __future__ import annotations

import re


def fine_disks(text: str) -> bool:
    """Whether a lookup holds only `smartctl -H` verdicts and `/proc/mdstat` arrays, all healthy, and one at least."""
    if "PASSED" not in text and "Personalities" not in text and "SMART Health Status" not in text:
        return False  # (the two tools' own words: no line is read without them)
    judged = False
    for line in text.splitlines():
        line = line.strip()
        if not line or _BOILERPLATE_RE.fullmatch(line):
            continue
        if _VERDICT_RE.fullmatch(line):
            judged = True
        elif (m := _ARRAY_RE.fullmatch(line)) is not None:
            judged = judged or m["state"] == "active"
            if m["state"] != "active" or "(F)" in line or "(S)" in line and "spare" not in line:
                return False
        elif (m := _BLOCKS_RE.fullmatch(line)) is not None:
            if m["n"] != m["up"] or "_" in m["map"]:
                return False  # ("[2/1] [U_]": an array running degraded)
        elif not _MD_INFO_RE.fullmatch(line):
            return False
    return judged


_BOILERPLATE_RE = re.compile(r"smartctl \d[\w. -]*(?:\[[^\]]*\])?(?: \(local build\))?"
                             r"|Copyright \(C\) [\d-]+, Bruce Allen.*"
                             r"|=== START OF (?:READ SMART DATA|SMART DATA) SECTION ==="
                             r"|={2,3}\s*/dev/\S+\s*={2,3}|#+\s*/dev/\S+|/dev/\S+:?"
                             r"|Personalities : (?:\[\w+\]\s*)*|unused devices: <none>")
_VERDICT_RE = re.compile(r"SMART overall-health self-assessment test result: PASSED|SMART Health Status: OK")
_ARRAY_RE = re.compile(r"md\d+\s*:\s*(?P<state>active|inactive)(?:\s+\(auto-read-only\))?\s+(?:raid\d+|linear)"
                       r"(?:\s+\w+\d*\[\d+\](?:\([A-Z]\))?)+")
_BLOCKS_RE = re.compile(r"\d+ blocks(?: super [\d.]+)?(?: level \d+, \d+k chunk, algorithm \d+)?"
                        r" \[(?P<n>\d+)/(?P<up>\d+)\] \[(?P<map>[U_]+)\]")
_MD_INFO_RE = re.compile(r"bitmap: \d+/\d+ pages \[\d+KB\], \d+KB chunk")
