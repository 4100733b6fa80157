"""`larouter`: the command-line client of a running larouterd (talks HTTP, never opens the database)."""

from __future__ import annotations

import click

from larouter import __version__
from larouter.cli.common import Client, client_options, emit
from larouter.daemon import main as daemon_main


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="larouter")
def main() -> None:
    """LARouter: local-first LLM router."""


@main.command()
@client_options
def status(client: Client, as_json: bool) -> None:
    """Show whether the daemon is up, and its uptime."""
    data = client.get("/health")
    emit(data, as_json, lambda d: f"larouterd at {client.base_url}: {d['status']}, up {d['uptime']:.0f} s")


main.add_command(daemon_main, name="serve")
