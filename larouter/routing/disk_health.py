"""Disk and array health in the words the tools print it: `smartctl -H` ("SMART overall-health self-assessment test
result: PASSED") and `/proc/mdstat` ("md0 : active raid1 sdb2[1] sda2[0]" / "… [2/2] [UU]"). A lookup is quiet by
this reader only when every line of it is one of these and each says healthy: every device it names has its verdict,
every array its status line with every member up and no member flagged; any other line (an attribute table, a rebuild
in progress, "[2/1] [U_]", a device with no verdict) leaves it to the other readers (blind v39, v40, v48: such beats
were never read as quiet; review 32). It answers whether disks pass and arrays are whole, nothing more: a checklist
that asks about sectors, temperatures, self-tests or error counts (`asks_details`) is not answered by it.
"""

from __future__ import annotations

import re


def disks_answer(instructions: str, call: str, text: str) -> bool:
    """Whether a lookup answers the checklist with disks that pass and arrays that are whole (`fine_disks`): not one
    that asks about details a verdict does not give (`asks_details`), nor one naming a device the lookup does not."""
    return fine_disks(text) and not asks_details(instructions) and not unseen_devices(instructions, call, text)


def fine_disks(text: str) -> bool:
    """Whether a lookup holds only `smartctl -H` verdicts and `/proc/mdstat` arrays, all healthy, and one at least."""
    if "PASSED" not in text and "Personalities" not in text and "SMART Health Status" not in text:
        return False  # (the two tools' own words: no line is read without them)
    judged = awaiting = False  # (a device named, or a banner printed, whose verdict has not come yet)
    array = False  # (an array line whose status line has not come yet)
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if _DEVICE_RE.fullmatch(line):
            if awaiting and not _BANNER_RE.fullmatch(line):
                return False  # (the device before it printed no verdict)
            awaiting = True
        elif _BOILERPLATE_RE.fullmatch(line):
            continue
        elif _VERDICT_RE.fullmatch(line):
            judged, awaiting = True, False
        elif (m := _ARRAY_RE.fullmatch(line)) is not None:
            if array or _FLAG_RE.search(line) or "inactive" in line or "read-only" in line:
                return False  # (an array with no status line; a member flagged failed, spare, replacing)
            array = True
        elif (m := _BLOCKS_RE.fullmatch(line)) is not None:
            if not array or m["n"] != m["up"] or "_" in m["map"] or len(m["map"]) != int(m["n"]):
                return False  # ("[2/1] [U_]": an array running degraded)
            judged, array = True, False
        elif not _MD_INFO_RE.fullmatch(line):
            return False
    return judged and not awaiting and not array


def asks_details(instructions: str) -> bool:
    """Whether a checklist asks about what a verdict of PASSED does not answer (sectors, temperatures, self-tests,
    error logs, wear, a check's mismatches)."""
    return _DETAILS_RE.search(instructions) is not None


def disk_count(text: str) -> int:
    """How many disks a lookup gives a `smartctl -H` verdict for, or, for `/proc/mdstat` with one array, the members
    it is made of ("[1/1] [U]" for "md0 is a two-disk mirror … both disks", review 32)."""
    verdicts = len(_VERDICT_RE.findall(text))
    arrays = _BLOCKS_RE.findall(text)
    return verdicts or (int(arrays[0][0]) if len(arrays) == 1 else 0)


def unseen_devices(instructions: str, call: str, text: str) -> bool:
    """Whether the checklist names a disk or an array ("sda, sdb and sdc", "nvme1n1", "md2") that neither the lookup's
    call nor its output names."""
    shown = f"{call}\n{text}".lower()
    return any(name not in shown for name in _DEVICE_NAME_RE.findall(instructions.lower()))


def array_count(text: str) -> int:
    """How many arrays `/proc/mdstat` lists."""
    return len(_ARRAY_LINE_RE.findall(text))


_BANNER = r"smartctl \d[\w. -]*(?:\[[^\]]*\])?(?: \(local build\))?"  # (smartctl's first line: a device's output starts)
_BANNER_RE = re.compile(_BANNER)
_DEVICE_RE = re.compile(rf"={{2,3}}\s*/dev/\S+\s*={{2,3}}|#+\s*/dev/\S+|/dev/\S+:?|{_BANNER}")
_BOILERPLATE_RE = re.compile(r"Copyright \(C\) [\d-]+, Bruce Allen.*"
                             r"|=== START OF (?:READ SMART DATA|SMART DATA) SECTION ==="
                             r"|Personalities : (?:\[\w+\]\s*)*|unused devices: <none>")
_VERDICT_RE = re.compile(r"(?m)^\s*(?:SMART overall-health self-assessment test result: PASSED|SMART Health Status: OK)"
                         r"\s*$", re.I)
_ARRAY_RE = re.compile(r"md\d+\s*:\s*active\s+(?:raid\d+|linear)(?:\s+\w+\d*\[\d+\](?:\([A-Z]\))?)+")
_ARRAY_LINE_RE = re.compile(r"(?m)^\s*md\d+\s*:\s*\w+")
_FLAG_RE = re.compile(r"\]\((?!W\))[A-Z]\)")  # (any member flag but write-mostly: F failed, S spare, R replacing)
_BLOCKS_RE = re.compile(r"\d+ blocks(?: super [\d.]+)?(?: level \d+, \d+k chunk, algorithm \d+)?"
                        r" \[(?P<n>\d+)/(?P<up>\d+)\] \[(?P<map>[U_]+)\]", re.I)
_MD_INFO_RE = re.compile(r"bitmap: \d+/\d+ pages \[\d+KB\], \d+KB chunk")
_DEVICE_NAME_RE = re.compile(r"\b(?:sd[a-z]{1,2}|hd[a-z]|vd[a-z]|nvme\d+n\d+|md\d+)\b")
_DETAILS_RE = re.compile(r"realloc|pending|sector|temperat|\btemp\b|°\s?[cf]|self.?test|\bcrc\b|error|mismatch|wear"
                         r"|percentage used|attribute|media|critical warning|power.on|uncorrect|spare", re.I)
