"""Every lexicon of the configuration folded into one lookup (exact first tokens, 4-character stems, CJK
substrings), matched against a turn's tokens in one pass. Built by `compiled.compile_rules`."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from larouter.routing.rules import Lexicons
from larouter.routing.tokens import WORD_RE

# (following tokens, cue, entry as written, the next token when it must match exactly: a cheap test before the
# full one, since common first words such as "the" start many entries)
Entry = tuple[tuple[str, ...], str, str, "str | None"]
_SPLIT_AT = 4  # entries a first token starts before they are split by their next token


@attrs.frozen(eq=False)
class LexiconIndex:
    """Every lexicon folded into one lookup: exact first tokens, 4-char stems, CJK substrings."""

    exact: dict[str, tuple[Entry, ...]]
    stems: dict[str, tuple[tuple[str, str, str], ...]]  # first 4 chars -> (stem, cue, entry)
    cjk: tuple[tuple[str, str], ...]  # (substring, cue)
    # A first token that starts many entries ("the total", "the sum", ... 18 of them; "how many", ...): next token ->
    # the entries that can follow it (their next token, or none), in their order; None -> those with none.
    by_next: dict[str, dict[str | None, tuple[Entry, ...]]] = attrs.field(init=False)

    @by_next.default
    def _split_by_next(self) -> dict[str, dict[str | None, tuple[Entry, ...]]]:
        split = {}
        for first, entries in self.exact.items():
            if len(entries) >= _SPLIT_AT:
                seconds = {e[3] for e in entries} - {None}
                split[first] = {nxt: tuple(e for e in entries if e[3] is None or e[3] == nxt) for nxt in (*seconds, None)}
        return split

    @classmethod
    def build(cls, lexicons: Lexicons) -> LexiconIndex:
        """Index the configured lexicons."""
        exact: dict[str, list[Entry]] = {}
        stems: dict[str, list[tuple[str, str, str]]] = {}
        cjk: list[tuple[str, str]] = []
        for cue, lex in attrs.asdict(lexicons, recurse=False).items():
            for entry in dict.fromkeys(lex.words):
                toks = tuple(WORD_RE.findall(entry.lower()))
                if not toks:
                    raise ValueError(f"lexicons.{cue}: empty keyword {entry!r}")
                if entry.endswith("*") and len(toks) == 1:
                    if len(toks[0]) < 4:
                        raise ValueError(f"lexicons.{cue}: stem {entry!r} is shorter than 4 characters")
                    stems.setdefault(toks[0][:4], []).append((toks[0], cue, entry))
                    continue
                rest = toks[1:] + (("*",) if entry.endswith("*") else ())
                second = rest[0] if rest and rest[1:] != ("*",) else None  # None: no next word, or a stem
                exact.setdefault(toks[0], []).append((rest, cue, entry, second))
            cjk.extend((s, cue) for s in dict.fromkeys(lex.cjk) if s)
        return cls(
            {k: tuple(v) for k, v in exact.items()},
            {k: tuple(v) for k, v in stems.items()},
            tuple(cjk),
        )

    def match(self, tokens: Sequence[str], cjk_text: str | None) -> dict[str, list[str]]:
        """Cue -> distinct entries found among the tokens (and in CJK text, when given)."""
        hits: dict[str, list[str]] = {}
        exact, stems, by_next = self.exact, self.stems, self.by_next
        last = len(tokens) - 1
        for i, tok in enumerate(tokens):
            entries = exact.get(tok)
            if entries:
                nxt = tokens[i + 1] if i < last else None
                if tok in by_next:  # only the entries the next token allows (the test below would skip the others)
                    split = by_next[tok]
                    entries = split.get(nxt, split[None])
                for rest, cue, entry, second in entries:
                    if not rest or ((second is None or second == nxt) and _follows(tokens, i + 1, rest)):
                        _add(hits, cue, entry)
            cands = stems.get(tok[:4])
            if cands:
                for stem, cue, entry in cands:
                    if tok.startswith(stem):
                        _add(hits, cue, entry)
        if cjk_text is not None:
            for sub, cue in self.cjk:
                if sub in cjk_text:
                    _add(hits, cue, sub)
        return hits


def _follows(tokens: Sequence[str], start: int, rest: tuple[str, ...]) -> bool:
    """Whether `rest` (a trailing "*" making the previous token a stem) follows at `start`.

    Runs for every token that starts a multi-word entry, so it compares in place (no slices) and usually
    returns at the first word."""
    stem = rest[-1] == "*"
    n = len(rest) - stem
    if start + n > len(tokens):
        return False
    for k in range(n - 1):
        if tokens[start + k] != rest[k]:
            return False
    last = tokens[start + n - 1]
    return last.startswith(rest[n - 1]) if stem else last == rest[n - 1]


def _add(hits: dict[str, list[str]], cue: str, entry: str) -> None:
    """Record one hit, once."""
    seen = hits.setdefault(cue, [])
    if entry not in seen:
        seen.append(entry)
