"""Options given once: the same option given twice to one command with different values is a usage error, as it is
across a group and its command (`common.inherited`), rather than click's silent "the last one wins" (a script that
builds its options by appending would bill the wrong project without a word)."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import click


class OnceOption(click.Option):
    """A click option that takes one value (not a flag, a count or `multiple`): given more than once with different
    values on the command line, a usage error naming them; given more than once with the same value, that value."""

    @property
    def _single(self) -> bool:
        return not (self.multiple or self.count or self.is_flag)

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        if not self._single:
            super().add_to_parser(parser, ctx)
            return
        parser.add_option(obj=self, opts=self.opts, dest=self.name, action="append", nargs=self.nargs)

    def consume_value(self, ctx: click.Context, opts: Mapping[str, Any]) -> tuple[Any, Any]:
        given = opts.get(self.name) if self._single else None
        if isinstance(given, list):  # from the command line: each value given, in order (the parser appends)
            values = list(dict.fromkeys(given))
            if len(values) > 1:
                shown = " and as ".join(repr(v) for v in values)
                raise click.UsageError(f"{self.opts[0]} given as {shown} to '{ctx.command_path}'; give it once", ctx)
            opts = {**opts, self.name: given[-1]}
        return super().consume_value(ctx, opts)


def option(*names: str, **attrs: Any) -> Callable[[Any], Any]:
    """`click.option`, given once (`OnceOption`)."""
    return click.option(*names, cls=OnceOption, **attrs)
