"""`larouterd`: load settings, run the app, stop gracefully on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import click
from aiohttp import web

from larouter import __version__
from larouter.app import make_app
from larouter.config import ConfigError, Settings
from larouter.runtime import load_runtime
from larouter.usage.ledger import LedgerError

log = logging.getLogger("larouter.daemon")


async def serve(app: web.Application, settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Listen until SIGTERM/SIGINT, then stop accepting, drain in-flight requests, clean up."""
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=settings.server.shutdown_grace,
        handler_cancellation=True,
    )
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, settings.server.host, settings.server.port)
        await site.start()
        for sock in runner.addresses:
            log.info("larouterd %s listening on http://%s:%s (data in %s)", __version__, sock[0], sock[1], settings.home)
        if ready is not None:
            ready.set()
        await stop.wait()
        log.info("shutting down: draining in-flight requests (up to %g s)", settings.server.shutdown_grace)
    finally:
        await runner.cleanup()
        log.info("stopped")


def setup_logging(level: str) -> None:
    """Plain, timestamped logs on stderr."""
    logging.basicConfig(
        level=getattr(logging, level.upper()), stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to bind (default 18790).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), help="TOML config file.")
@click.option("--log-level", default="info", type=click.Choice(["debug", "info", "warning", "error"]), show_default=True)
@click.version_option(__version__, prog_name="larouterd")
def main(host: str | None, port: int | None, config: Path | None, log_level: str) -> None:
    """Run the LARouter daemon (data dir: $LAROUTER_HOME)."""
    setup_logging(log_level)
    overrides: dict = {"server": {k: v for k, v in (("host", host), ("port", port)) if v is not None}}
    try:
        runtime = load_runtime(config, cli=overrides)
        settings = runtime.settings
        settings.home.mkdir(parents=True, exist_ok=True)
        app = make_app(runtime)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        asyncio.run(serve(app, settings))
    except (ConfigError, LedgerError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {settings.server.host}:{settings.server.port}: {exc.strerror}") from None


if __name__ == "__main__":
    main()
