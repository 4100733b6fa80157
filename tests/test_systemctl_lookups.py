"""`systemctl status` and `systemctl is-active` read as a check-in's lookups (`routing/lookup_units.py`): quiet only
when every unit is loaded and active, every unit the command names is shown, and no line says otherwise.
"""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.test_heartbeat_lookup_news import beat


SYSTEMCTL = """● caddy.service - Caddy
     Loaded: loaded (/usr/lib/systemd/system/caddy.service; enabled; preset: enabled)
     Active: active (running) since Mon 2026-03-02 03:14:49 UTC; 2 days ago
       Docs: https://caddyserver.com/docs/
   Main PID: 812 (caddy)
      Tasks: 11 (limit: 9387)
     Memory: 48.3M (peak: 61.0M)
        CPU: 41min 2.311s
     CGroup: /system.slice/caddy.service
             └─812 /usr/bin/caddy run --environ --config /etc/caddy/Caddyfile

● postgresql@16-main.service - PostgreSQL Cluster 16-main
     Loaded: loaded (/usr/lib/systemd/system/postgresql@.service; enabled-runtime; preset: enabled)
     Active: active (running) since Mon 2026-03-02 03:14:52 UTC; 2 days ago
    Process: 903 ExecStart=/usr/bin/pg_ctlcluster --skip-systemctl-redirect 16-main start (code=exited, status=0/SUCCESS)
   Main PID: 941 (postgres)
     CGroup: /system.slice/system-postgresql.slice/postgresql@16-main.service
             ├─941 /usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main
             └─963 "postgres: 16/main: checkpointer "

Mar 02 03:14:52 web1 systemd[1]: Started postgresql@16-main.service - PostgreSQL Cluster 16-main."""


@pytest.mark.parametrize("change", [
    ("● caddy.service", "× caddy.service"),
    ("Active: active (running) since Mon 2026-03-02 03:14:49 UTC; 2 days ago",
     "Active: failed (Result: exit-code) since Wed 2026-03-04 05:58:10 UTC; 1h ago"),
    ("Active: active (running) since Mon 2026-03-02 03:14:49 UTC; 2 days ago",
     "Active: activating (auto-restart) (Result: exit-code) since Wed 2026-03-04 06:10:02 UTC; 2s ago"),
    ("● caddy.service", "○ caddy.service"),
    ("status=0/SUCCESS", "status=1/FAILURE"),
    ("Loaded: loaded (/usr/lib/systemd/system/caddy.service; enabled; preset: enabled)", "Loaded: not-found (Reason: "
     "Unit caddy.service not found.)"),
    ("Started postgresql", "postgresql@16-main.service: Main process exited, code=killed, status=9/KILL; Started"),
    ("● caddy.service - Caddy", "Warning: The unit file, source configuration file or drop-ins of caddy.service "
     "changed on disk. Run 'systemctl daemon-reload' to reload units.\n● caddy.service - Caddy"),
    ("status=0/SUCCESS", "status=2"),  # (review 21: a step that exited 2, its unit still "active")
    ("Memory: 48.3M (peak: 61.0M)", "Memory: 1.9G (max: 2.0G available: 61.2M)"),  # near its cgroup's limit
    ("Tasks: 11 (limit: 9387)", "Tasks: 9387 (limit: 9387)"),  # (review 22: out of tasks)
])
def test_systemctl_status_is_quiet_only_when_every_unit_is_loaded_and_active(change: tuple[str, str]) -> None:
    """`systemctl status` (its template units' "postgresql@16-main.service" is no mail address): every unit loaded and
    active, no line in trouble; one unit failed, inactive, restarting, not found, a step failed, a journal line of a
    kill, a warning about the unit file, and it is news."""
    assert beat(SYSTEMCTL) is Tier.HEARTBEAT
    assert beat(SYSTEMCTL.replace(*change)) is not Tier.HEARTBEAT


@pytest.mark.parametrize("line", [
    "Mar 04 05:58:10 web1 kernel: Out of memory: Killed process 812 (caddy)",
    "Mar 04 05:58:11 web1 systemd[1]: caddy.service: Scheduled restart job, restart counter is at 212.",
    "    Triggers: × backup.service",
    "Mar 04 05:58:11 web1 gitea[812]: write /var/lib/gitea/data/queues: no space left on device",  # (review 22)
    "Mar 04 05:58:11 web1 gitea[812]: 2026/03/04 05:58:11 ...models/db.go:42 [E] database is locked",
])
def test_systemctl_status_with_a_crash_or_a_failed_trigger_is_news(line: str) -> None:
    """Review 21: a kill, a restart counter, a timer's failed job ("×") in words the first reader did not know."""
    assert beat(SYSTEMCTL + "\n" + line) is not Tier.HEARTBEAT


def test_systemctl_status_must_show_every_unit_its_command_names() -> None:
    """Review 21: "systemctl status caddy gitea postgresql@16-main 2>/dev/null" showing two units: the third's "could
    not be found" went to the stderr the tool threw away."""
    assert beat(SYSTEMCTL, command="systemctl status caddy postgresql@16-main 2>/dev/null") is Tier.HEARTBEAT
    assert beat(SYSTEMCTL, command="systemctl --no-pager status caddy.service postgresql@16-main") is Tier.HEARTBEAT
    assert beat(SYSTEMCTL, command="systemctl status caddy gitea postgresql@16-main 2>/dev/null") is not Tier.HEARTBEAT


@pytest.mark.parametrize(("lines", "quiet"), [("active\nactive\nactive", True), ("active\nactivating\nactive", False),
                                              ("active\nactive\ndeactivating", False), ("failed\nactive\nactive", False)])
def test_systemctl_is_active_lines_are_each_a_units_state(lines: str, quiet: bool) -> None:
    """Review 21: `systemctl is-active` answers a word a line; "activating" is a restart loop, not a host's name."""
    assert (beat(lines, command="systemctl is-active caddy gitea postgresql") is Tier.HEARTBEAT) is quiet
