"""`smartctl -H` verdicts and `/proc/mdstat` arrays read as quiet when every line says healthy (blind v39, v40, v48),
and never when one does not."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.test_stated_limits import lookup_tier

SMART = ("=== /dev/{dev} ===\nsmartctl 7.4 2023-08-01 r5530 [x86_64-linux-6.8.12-9-pve] (local build)\n"
         "Copyright (C) 2002-23, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
         "=== START OF READ SMART DATA SECTION ===\nSMART overall-health self-assessment test result: {verdict}\n")
MDSTAT = ("Personalities : [raid1] [linear] [multipath] [raid0] [raid6] [raid5] [raid4] [raid10] \n"
          "md1 : active raid1 sdb3[1] sda3[0]\n      1918813184 blocks super 1.2 [2/{up}] [{map}]\n"
          "      bitmap: 2/15 pages [8KB], 65536KB chunk\n\nunused devices: <none>\n")
CHECKLIST = "- RAID and disks: tell me if an array is degraded or a disk fails its SMART check."
COMMAND = "cat /proc/mdstat; for d in sda sdb; do echo \"=== /dev/$d ===\"; smartctl -H /dev/$d; done"


def output(up: int = 2, array: str = "UU", verdict: str = "PASSED", extra: str = "") -> str:
    return (MDSTAT.format(up=up, map=array) + extra + SMART.format(dev="sda", verdict="PASSED")
            + SMART.format(dev="sdb", verdict=verdict))


def test_healthy_arrays_and_disks_are_quiet() -> None:
    assert lookup_tier(CHECKLIST, COMMAND, output()) is Tier.HEARTBEAT


@pytest.mark.parametrize("trouble", [
    output(up=1, array="U_"),  # an array running degraded
    output(verdict="FAILED!"),  # a disk failing its self-assessment
    output(extra="      [=>...................]  recovery = 12.6% (241838080/1918813184) finish=146.2min\n"),
    MDSTAT.format(up=2, map="UU").replace("sda3[0]", "sda3[0](F)"),  # a device marked failed
])
def test_any_line_that_is_not_healthy_is_not_quiet(trouble: str) -> None:
    assert lookup_tier(CHECKLIST, COMMAND, trouble) is not Tier.HEARTBEAT


NO_VERDICT = SMART.format(dev="sdb", verdict="PASSED").split("SMART overall")[0]


@pytest.mark.parametrize(("checklist", "command", "trouble", "quiet"), [
    # a device named with no verdict under it (its error went to stderr)
    (CHECKLIST, COMMAND, MDSTAT.format(up=2, map="UU") + SMART.format(dev="sda", verdict="PASSED") + NO_VERDICT,
     output()),
    # a member replacing another
    (CHECKLIST, "cat /proc/mdstat", MDSTAT.format(up=2, map="UU").replace("sda3[0]", "sda3[0] sdc3[2](R)"), None),
    # fewer verdicts or arrays than the checklist counts; a device it names that the lookup does not
    ("- All 4 disks should pass their SMART health check.", "for d in /dev/sd[a-d]; do smartctl -H $d; done",
     SMART.format(dev="sda", verdict="PASSED") * 3, SMART.format(dev="sda", verdict="PASSED") * 4),
    ("- Disks sda, sdb and sdc: tell me if any fails SMART.", "smartctl -H /dev/sda; smartctl -H /dev/sdb",
     SMART.format(dev="sda", verdict="PASSED") + SMART.format(dev="sdb", verdict="PASSED"), None),
    ("- md1 is a two-disk mirror; tell me if it is not mirrored on both disks.", "cat /proc/mdstat",
     MDSTAT.format(up=1, map="U").replace("[2/1]", "[1/1]").replace(" sda3[0]", ""), MDSTAT.format(up=2, map="UU")),
    # what a verdict of PASSED does not answer
    ("- Tell me each disk's temperature and any reallocated sectors.", COMMAND, output(), None),
])
def test_review_32(checklist: str, command: str, trouble: str, quiet: str | None) -> None:
    assert lookup_tier(checklist, command, trouble) is not Tier.HEARTBEAT
    if quiet is not None:
        assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
