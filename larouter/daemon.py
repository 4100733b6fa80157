"""`larouterd`: load settings, run the app, stop gracefully on SIGTERM/SIGINT/SIGHUP (but one its caller ignored)."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import os
import signal
import sys
from pathlib import Path
from typing import IO, Any, Callable

import click
from aiohttp import web

from larouter import __version__, appkeys
from larouter.address import remove_address, write_address
from larouter.app import RUNNER_OPTIONS, make_app
from larouter.callersig import caller_ignores
from larouter.config import ConfigError, Settings, read_toml
from larouter.configerr import secrets_set
from larouter.configvalid import LOG_LEVELS
from larouter.configenv import stray_variables
from larouter.daemonlog import flush_logs_every, setup_logging, under_journald
from larouter.drain import CUT_WAIT
from larouter.fdlimit import raise_fd_limit
from larouter.headerwait import HeaderDeadlineRunner
from larouter.fsutil import PRIVATE_DIR, PRIVATE_UMASK, unwritable_advice, warn_if_readable_secret, warn_if_shared
from larouter.proxy import loop as loop_guard
from larouter.runtime import Runtime, load_runtime, runtime_file
from larouter.usage.ledger import LedgerError

log = logging.getLogger("larouter.daemon")


async def serve(app: web.Application, settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Listen until SIGTERM/SIGINT/SIGHUP (the terminal it runs in was closed), then stop accepting, drain in-flight
    requests, clean up (local models stopped, usage committed). SIGHUP and SIGINT the caller ignored stay ignored
    (`stop_signals`)."""
    # The grace period is the drain's (`larouter.drain`: an on_shutdown hook waits for the requests in flight, then
    # cuts the ones left); aiohttp's own wait comes after it and would add its timeout twice more (once waiting,
    # once after cancelling), so it is only a short backstop.
    # Each request's headers are due within server.body_timeout (`headerwait`), as its body is after them.
    runner = HeaderDeadlineRunner(app, header_timeout=settings.server.body_timeout, handle_signals=False,
                                  access_log=None, shutdown_timeout=CUT_WAIT, **RUNNER_OPTIONS)
    await runner.setup()
    flusher = asyncio.create_task(flush_logs_every(0.25), name="log-flush")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    stopped_by: list[str] = []  # the signal that started the shutdown, for its log line

    def stopping(sig: signal.Signals) -> None:
        stopped_by.append(sig.name)
        stop.set()

    for sig in stop_signals():
        loop.add_signal_handler(sig, stopping, sig)
    try:
        site = web.TCPSite(runner, settings.server.host, settings.server.port)
        await site.start()
        for sock in runner.addresses:
            log.info("larouterd %s listening on http://%s:%s (data in %s, event loop: %s)", __version__, sock[0], sock[1],
                     settings.home, type(loop).__module__.split(".")[0])
        loop_guard.warn_if_pointing_here(settings, runner.addresses)  # a provider base_url that is this daemon
        if runner.addresses:  # for the CLI, which finds the daemon through it without --url
            host, port = runner.addresses[0][:2]
            # Written before the loop runs a single handler (once, at start: a small file): no client can see this
            # daemon answer before its record exists. Off the loop, `larouter status` right after a /health that
            # answered could still find no record and aim at the settings' port (seen in CI).
            try:
                write_address(settings.home, settings.server.host or host, port, app[appkeys.ADMIN_TOKEN].current,
                              settings.config_path)
            except OSError as exc:  # (it was "cannot listen on ...: Permission denied", exit 1: review Y)
                raise ConfigError(data_dir_failure(exc, settings.home)) from None
        if ready is not None:
            ready.set()
        await stop.wait()
        grace = app[appkeys.DRAIN].begin()  # the grace period counts from the signal
        log.info("shutting down on %s: draining in-flight requests (up to %g s)", stopped_by[0], grace)
    finally:
        await runner.cleanup()
        await asyncio.to_thread(remove_address, settings.home)
        log.info("stopped")
        flusher.cancel()


def stop_signals() -> list[signal.Signals]:
    """The signals that stop the daemon: SIGTERM always (systemd's, `kill`'s: ignored, a stop could only kill, with no
    drain), SIGINT and SIGHUP unless the caller ignored them (`callersig`): `nohup larouterd &` must outlive the
    terminal, and a logrotate `kill -HUP` stopped it with exit 0, which systemd's Restart=on-failure does not restart
    (review AS). Each one kept ignored is said once, at start."""
    kept = [sig for sig in (signal.SIGINT, signal.SIGHUP) if caller_ignores(sig)]
    for sig in kept:
        log.info("%s is ignored, as larouterd's caller (nohup, a script's `&`) left it: it does not stop larouterd; "
                 "SIGTERM does", sig.name)
    return [sig for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP) if sig not in kept]


class DaemonCommand(click.Command):
    """larouterd's command line: a bad option (`--port 99999`, `--log-level verbose`, `--prot`) is a settings error as
    the same value in the file or the environment is, exit 78 (EX_CONFIG), which the systemd unit does not restart
    (click's usage errors exit 2, and a typo in a drop-in's ExecStart was restarted every 2 s: review AU 5)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = Refused.exit_code
            if under_journald():  # an error entry, as a refused start's (`journalctl -p warning` shows it)
                raise Refused(f"{exc.format_message()} (`larouterd --help` lists the options)") from None
            raise


@click.command(cls=DaemonCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to bind (default 18790).")
@click.option("--config", "config", type=click.Path(path_type=Path), help="TOML config file.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False),
              help="Log level, over server.log_level (default info).")
@click.version_option(__version__, prog_name="larouterd")
def main(host: str | None, port: int | None, config: Path | None, log_level: str | None) -> None:
    """Run the LARouter daemon (data dir: $LAROUTER_HOME, else the platform's, ~/.local/share/larouter on Linux)."""
    handler = setup_logging(log_level or "info")  # (until the settings are read: they may say otherwise)
    try:
        run(host, port, config, log_level)
    finally:
        handler.flush_now()


def set_log_level(name: str) -> None:
    """The root logger's level (every logger of larouter and its libraries inherits it) as `server.log_level` now
    says; a change made while running is logged, at the lower of the two levels, so it is seen either way."""
    root = logging.getLogger()
    level = getattr(logging, name.upper())
    if root.level == level:
        return
    old = root.level
    root.setLevel(min(old, level))
    log.info("log level: %s (was %s)", name, logging.getLevelName(old).lower())
    root.setLevel(level)


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when asked for and installed (less CPU per proxied request than asyncio's selector
    loop; measured in the CHANGELOG), else None: asyncio's default."""
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.info("uvloop is not installed: using asyncio's event loop")
            return None
        return uvloop.new_event_loop
    return None


def data_dir_failure(exc: OSError, home: Path | None) -> str:
    """The start's message for a data directory it cannot make or write: the directory, the system's reason (and
    the file, when another), and, for a read-only one or a permission refused, what to do."""
    directory = home or Path(exc.filename or "?")
    named = exc.filename2 or exc.filename  # (a rename's target: its source is a temporary file, removed by now)
    where = f" ({named})" if named and Path(named) != directory else ""
    advice = unwritable_advice(exc.errno, directory)
    reason = exc.strerror
    if exc.errno == errno.EEXIST and not where:  # (mkdir: the path is there, and no directory: "File exists")
        what = "a file" if directory.is_file() else "something else"
        reason = f"not a directory: it is {what}; set $LAROUTER_HOME to a directory (it is made if it does not exist)"
    return (f"cannot use the data directory {directory} ($LAROUTER_HOME): {reason}{where}"
            + (f"\n{advice}" if advice else ""))


def run(host: str | None, port: int | None, config: Path | None, log_level: str | None = None) -> None:
    """Load settings, build the app and serve until a signal; user errors become clean exits."""
    flags = {k: v for k, v in (("host", host), ("port", port), ("log_level", log_level)) if v is not None}
    os.umask(PRIVATE_UMASK)  # every file the daemon and its libraries create is its user's only (the ledger's WAL)
    overrides: dict = {"server": flags} if flags else {}
    home = None
    try:
        runtime = load_runtime(config, cli=overrides)
        settings = runtime.settings
        logging.getLogger().setLevel(settings.server.log_level.upper())  # (the flag's, else the settings')
        runtime.listeners.append(lambda new: set_log_level(new.server.log_level))  # a PATCH applies at once
        for stray in stray_variables(os.environ, settings):  # (a setting with one underscore too few is not read)
            log.warning(stray)
        home = settings.home
        settings.home.mkdir(PRIVATE_DIR, parents=True, exist_ok=True)  # made here: private (an existing one is kept)
        if (shared := warn_if_shared(settings.home)) is not None:
            log.warning(shared)
        if settings.config_path is not None and settings.config_path.is_file():
            in_file = read_toml(settings.config_path)
            if (readable := warn_if_readable_secret(settings.config_path, secrets_set(in_file))) is not None:
                log.warning(readable)
            if hidden := runtime.shadowed(in_file):
                log.warning("%s sets %s, but a change made at runtime (%s) overrides it; `larouter config unset "
                            "KEY` puts the file's value back", settings.config_path, ", ".join(hidden[:5]),
                            runtime_file(settings.home))
        if hidden_vars := runtime.hidden_variables():
            log.warning("the environment sets %s, but a change made at runtime (%s) overrides it; `larouter config "
                        "unset KEY` puts the variable's value back", ", ".join(hidden_vars[:5]),
                        runtime_file(settings.home))
        app = make_app(runtime)
    except ConfigError as exc:
        raise Refused(str(exc)) from None
    except OSError as exc:  # the data directory cannot be made or used: under a file, no permission, read-only
        raise Refused(data_dir_failure(exc, home)) from None
    raise_fd_limit()  # two file descriptors a stream: a soft limit of 1,024 served ~500 (review AX 3)
    gc.collect()
    gc.freeze()  # startup objects never need collecting: keeps full collections (and p99) short
    # Requests free almost everything by reference counting; the default gen-0 threshold (700) still ran a
    # collection every ~25 requests, each traversing every object of the requests in flight (~12 us/request).
    gc.set_threshold(20_000, 20, 20)
    try:
        with asyncio.Runner(loop_factory=loop_factory(settings.server.event_loop)) as runner:
            runner.run(serve(app, settings))
    except (ConfigError, LedgerError) as exc:
        raise Refused(str(exc)) from None
    except OSError as exc:
        raise StartFailed(f"cannot listen on {settings.server.host}:{settings.server.port}: {exc.strerror}"
                          + runtime_origin(runtime, ("host", "port"))) from None


class StartFailed(click.ClickException):
    """A start that failed (exit 1: a port in use, which may free up); under journald each line of the message is an
    error entry (`journalctl -p warning` showed none of them: review Y)."""

    def show(self, file: IO[str] | None = None) -> None:
        if not under_journald():
            return super().show(file)
        lines = f"Error: {self.format_message()}".splitlines()
        click.echo("\n".join("<3>" + line for line in lines), file=file or sys.stderr)


class Refused(StartFailed):
    """A start refused for its settings or its data (a config error, a ledger it cannot open): exit 78 (EX_CONFIG),
    which the systemd unit does not restart (`RestartPreventExitStatus=78`): starting again cannot help, and a unit
    restarting every few seconds never reached `failed` (review W)."""

    exit_code = 78


def runtime_origin(runtime: Runtime, keys: tuple[str, ...]) -> str:
    """`; server.port 35023 was set at runtime (…runtime-config.json): …` for an address a `config set` chose (an
    operator who edits the config file finds no such port in it), else ''."""
    server = runtime.overrides.get("server")
    given = {key: server[key] for key in keys if isinstance(server, dict) and key in server and key not in runtime.cli}
    if not given:
        return ""
    said = ", ".join(f"server.{key} {value}" for key, value in given.items())
    return (f"; {said} {'was' if len(given) == 1 else 'were'} set at runtime ({runtime_file(runtime.settings.home)}): "
            f"start with --{'/--'.join(given)} to override, then `larouter config unset server.{next(iter(given))}`")


if __name__ == "__main__":
    main()
