"""A small learned check-in model: one more heartbeat signal, for conventions no rule names yet.

Logistic regression over the words, word pairs and (in scripts written without spaces) character pairs of a
short turn, digits folded to 0. It is shipped as data (`heartbeat_model.tsv`, next to this module) and trained by
`bench/train_hb_model.py` from the labelled sets in `bench/data/` and `../shared/eval/`; the file names its
training data and date. It never decides alone: `heartbeat.detect` asks it only when no rule recognised a
check-in, and every guard of the rules (requests, questions, work due, quoted prompts) still applies after it.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from typing import Any

import attrs

TOKEN_RE = re.compile(r"\w+|\S")  # words, and every other non-space character on its own
_DIGITS = "123456789" + "".join(chr(c) for c in range(0x660, 0x3000) if chr(c).isdecimal() and int(chr(c)) > 0)
FOLD = str.maketrans(_DIGITS, "0" * len(_DIGITS))  # every decimal digit -> 0 (a 1:1 table: str.translate is fast)
_ASCII_FOLD = bytes.maketrans(b"123456789", b"000000000")  # FOLD's ASCII part, for bytes.translate (~10x faster)
# Scripts written without spaces between words: a "word" there is a whole phrase, so its character pairs count.
UNSPACED_RE = re.compile(r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
MODEL_FILE = "heartbeat_model.tsv"
_ZEROS = itertools.repeat(0.0)  # an endless default for map(dict.get, keys, _ZEROS); immutable
FORMAT = 1
MAGIC = "#larouter-heartbeat-model"


def _tokens(text: str, max_chars: int) -> list[str]:
    lower = text[:max_chars].lower()
    folded = lower.encode("ascii").translate(_ASCII_FOLD).decode("ascii") if lower.isascii() else lower.translate(FOLD)
    return TOKEN_RE.findall(folded)


def _pairs(tokens: list[str]) -> Iterator[tuple[str, str]]:
    """Word pairs, the first one paired with the start of the text ("^")."""
    return zip(["^", *tokens], tokens)


def _chars(tokens: list[str]) -> Iterator[str]:
    """Character pairs of the tokens written in a script without spaces."""
    for tok in tokens:
        if len(tok) > 1 and UNSPACED_RE.search(tok):
            yield from map("".join, zip(tok, tok[1:]))


def _length(tokens: list[str]) -> str:
    return str(min(len(tokens) // 10, 10))


def features(text: str, max_chars: int) -> Iterator[str]:
    """The model's features of a turn's first `max_chars` characters, prefixed by kind (repeats count again):
    u: words and punctuation, b: pairs of them, c: character pairs, n: length in tens of tokens."""
    tokens = _tokens(text, max_chars)
    yield from ("u:" + t for t in tokens)
    yield from ("b:" + a + " " + b for a, b in _pairs(tokens))
    yield from ("c:" + c for c in _chars(tokens))
    yield "n:" + _length(tokens)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


@attrs.frozen(eq=False)
class HeartbeatModel:
    """A trained model, its weights kept by feature kind (u, b, c, n) without their prefixes, word pairs as tuples:
    scoring then looks tokens up without building keys. Immutable once loaded."""

    tables: Mapping[str, Mapping[Any, float]] = attrs.field(repr=False)
    bias: float
    max_chars: int
    trained_on: str = ""

    @classmethod
    def of(cls, weights: Iterable[tuple[str, float]], bias: float, max_chars: int, trained_on: str = "") -> HeartbeatModel:
        """A model from (feature, weight) pairs, features named as `features` names them ("u:poll", "b:nothing to")."""
        tables: dict[str, dict[Any, float]] = {"u": {}, "b": {}, "c": {}, "n": {}}
        values: dict[float, float] = {}  # one float object per distinct weight, one str per distinct token: ~half the memory
        for feature, weight in weights:
            kind, _, key = feature.partition(":")
            if kind not in tables:
                raise ValueError(f"heartbeat model: unknown feature kind in {feature!r}")
            value = values.setdefault(float(weight), float(weight))
            tables[kind][tuple(map(sys.intern, key.split(" ", 1))) if kind == "b" else sys.intern(key)] = value
        return cls(tables, float(bias), int(max_chars), trained_on)

    def weight(self, feature: str) -> float:
        kind, _, key = feature.partition(":")
        return self.tables[kind].get(tuple(key.split(" ", 1)) if kind == "b" else key, 0.0)

    def score(self, text: str) -> float:
        """Probability that the turn is a check-in with nothing to do (the same sum as over `features`)."""
        tokens = _tokens(text, self.max_chars)
        w = self.tables
        z = self.bias + sum(map(w["u"].get, tokens, _ZEROS)) + sum(map(w["b"].get, _pairs(tokens), _ZEROS))
        if UNSPACED_RE.search(text, 0, self.max_chars):
            z += sum(map(w["c"].get, _chars(tokens), _ZEROS))
        return _sigmoid(z + w["n"].get(_length(tokens), 0.0))

    def cues(self, text: str, n: int = 3) -> list[str]:
        """The words, pairs and characters that pushed the score up most, for the decision's reasons."""
        seen: dict[str, float] = {}
        for f in features(text, self.max_chars):
            if not f.startswith("n:"):
                seen[f] = seen.get(f, 0.0) + self.weight(f)
        top = sorted((item for item in seen.items() if item[1] > 0), key=lambda item: -item[1])[:n]
        return [f[2:] for f, _ in top]

    def to_text(self) -> str:
        """The model file: a header of `#key<TAB>value` lines, then one `feature<TAB>weight` line per weight."""
        flat = sorted((f"{kind}:{' '.join(key) if kind == 'b' else key}", weight)
                      for kind, table in self.tables.items() for key, weight in table.items())
        head = [f"{MAGIC}\t{FORMAT}", f"#trained_on\t{self.trained_on}", f"#max_chars\t{self.max_chars}", f"#bias\t{self.bias}"]
        return "\n".join([*head, *(f"{f}\t{w}" for f, w in flat)]) + "\n"

    @classmethod
    def from_text(cls, text: str) -> HeartbeatModel:
        """Read a model file one line at a time (no list or dict of 20,000 entries on the way: half the memory)."""
        lines = io.StringIO(text)
        first = lines.readline().rstrip("\n")
        if first != f"{MAGIC}\t{FORMAT}":
            raise ValueError(f"heartbeat model: not a format {FORMAT} model file (first line {first[:40]!r})")
        head = dict(line[1:].rstrip("\n").split("\t", 1) for line in itertools.islice(lines, 3)
                    if line.startswith("#") and "\t" in line)
        try:
            bias, max_chars, trained_on = float(head["bias"]), int(head["max_chars"]), head.get("trained_on", "")
        except (KeyError, ValueError) as exc:
            raise ValueError(f"heartbeat model: bad or missing header line: {exc}") from None
        return cls.of(_weight_lines(lines, 5), bias, max_chars, trained_on)


def _weight_lines(lines: Iterable[str], first: int) -> Iterator[tuple[str, float]]:
    """The `feature<TAB>weight` lines of a model file; `first` numbers the first of them in messages."""
    for number, line in enumerate(lines, first):
        feature, tab, weight = line.rstrip("\n").rpartition("\t")
        try:
            value = float(weight)
        except ValueError:
            value = math.nan
        if not tab or not feature or not math.isfinite(value):
            raise ValueError(f"heartbeat model: line {number} is not 'feature<TAB>weight': {line[:60]!r}")
        yield feature, value


def load_shipped() -> HeartbeatModel:
    """The model shipped with the package."""
    return HeartbeatModel.from_text(resources.files("larouter.routing").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
