"""What a command printed, read as such: a shell tool's result given as a record, a table that printed its header
row alone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# A shell tool's result as a record (n8n's Execute Command, agent runtimes' exec tools): {"exit_code": 0, "stdout":
# "…", "stderr": ""}. Its output is what the readers read (blind v48: every command's output was a record of
# strings, never quiet).
_EXEC_KEYS = frozenset({"exit_code", "exitCode", "returncode", "return_code", "code", "status", "stdout", "stderr",
                        "output", "error", "duration_ms", "durationMs", "elapsed_ms", "timed_out", "truncated",
                        "command", "cmd", "cwd"})


def shell_output(data: Any) -> str | None:
    """The text a shell tool's record reports (see `_command_output`), or None when `data` is no such record."""
    if isinstance(data, Mapping) and _EXEC_KEYS.issuperset(data) and not {"stdout", "output"}.isdisjoint(data):
        return _command_output(data)
    return None


def _command_output(data: Mapping[str, Any]) -> str:
    """The text a shell tool's record reports: its output when it exited 0 (or says it succeeded) with nothing on
    stderr and nothing cut; else its output and errors with the exit code or status (never an empty answer: `pgrep`
    finding no process and `test -f` finding no file both exit 1 silently, and the model judges which it is)."""
    codes = [data[k] for k in _CODE_KEYS if k in data] + ([data["status"]] if isinstance(data.get("status"), int)
                                                          and not isinstance(data.get("status"), bool) else [])
    status = data.get("status")
    output = str(data.get("stdout") or data.get("output") or "").strip()
    errors = str(data.get("stderr") or data.get("error") or "").strip()
    succeeded = (all(c in (0, "0") for c in codes) and (not isinstance(status, str) or status.lower() in _SUCCEEDED))
    if succeeded and not errors and not data.get("timed_out") and not data.get("truncated"):
        return output
    if any(c is None for c in codes):
        said = "terminated abnormally: killed by a signal"
    else:
        said = ", ".join(f"{k.replace('_', ' ')}: {data[k]}" for k in (*_CODE_KEYS, "status", "timed_out", "truncated")
                         if k in data)
    return f"{output}\n{errors}\n({said or 'failed'})".strip()


_CODE_KEYS = ("exit_code", "exitCode", "returncode", "return_code", "code")  # (None: killed by a signal, review 31)
_SUCCEEDED = frozenset({"success", "succeeded", "ok", "completed", "done", "passed", "finished"})


# A listing's header row: three or more column names in capitals, each a name tables give their columns.
_COLUMNS = frozenset("""
NAME NAMES ID CONTAINER IMAGE COMMAND CMD CREATED STATUS PORTS SERVICE STATE READY UP-TO-DATE AVAILABLE AGE RESTARTS
NAMESPACE NODE IP TYPE CLUSTER-IP EXTERNAL-IP PID PPID USER TTY TIME STAT START %CPU %MEM VSZ RSS UNIT LOAD ACTIVE SUB
DESCRIPTION SIZE USED AVAIL USE% MOUNTED ON FILESYSTEM PROTO LOCAL ADDRESS FOREIGN PEER RECV-Q SEND-Q PROCESS TAG
REPOSITORY VERSION ROLES HOST HOSTS DATE JOB SCHEDULE LAST NEXT LEFT PASSED ACTIVATES TRIGGERS
""".split())


def header_only(text: str) -> bool:
    """Whether a table printed its header row alone: a filtered listing that found nothing (`docker ps --filter
    name=caddy`, `docker compose ps` with the service down, `ps -C caddy`; review 27). Read for an absence only
    (`lookup_news`): as an empty answer it passed the lookup as quiet whatever limits it left unanswered ("tell me if
    caddy has been up less than 1 hour", review 28)."""
    words = text.split() if len(text) <= 240 and "\n" not in text.strip() else ()
    return len(words) >= 3 and _COLUMNS.issuperset(words)


def filters_trouble(call: str) -> bool:
    """Whether the command that printed a listing (the last of its call) lists trouble only: a header alone then
    says none (`docker ps --filter health=unhealthy`, `systemctl --failed`, `kubectl get pods | grep -v Running`);
    an unfiltered or a named listing of nothing lists nothing that should run (review 28)."""
    return _TROUBLE_FILTER_RE.search(_LAST_COMMAND_RE.split(call)[-1]) is not None


# A listing's filter on a state of trouble (exited containers, failed units, pods not running).
_TROUBLE_FILTER_RE = re.compile(r"(?:status|health|state)=(?:exited|dead|restarting|paused|created|unhealthy|failed"
                                r"|removing)|--failed\b|--state[= ]failed|status\.phase!=|--field-selector[= ]\S*!="
                                r"|\|\s*e?grep\s+-\w*v\w*\s+(?:-\S+\s+)*['\"]?(?:running|up|active|ok|healthy|ready"
                                r"|completed)(?![\w-])", re.I)
# Where one command of a call ends ("docker ps -a --filter status=exited -q; docker ps --filter name=caddy").
_LAST_COMMAND_RE = re.compile(r";|&&|\|\||\\n")
