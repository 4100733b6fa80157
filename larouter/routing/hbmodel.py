"""A small learned check-in model: one more heartbeat signal, for conventions no rule names yet.

Logistic regression over the words, word pairs and (in scripts written without spaces) character pairs of a
short turn, digits folded to 0. It is shipped as data (`heartbeat_model.json`, next to this module) and trained by
`bench/train_hb_model.py` from the labelled sets in `bench/data/` and `../shared/eval/`; the file names its
training data and date. It never decides alone: `heartbeat.detect` asks it only when no rule recognised a
check-in, and every guard of the rules (requests, questions, work due, quoted prompts) still applies after it.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import attrs

TOKEN_RE = re.compile(r"\w+|\S")  # words, and every other non-space character on its own
_DIGITS = "123456789" + "".join(chr(c) for c in range(0x660, 0x3000) if chr(c).isdecimal() and int(chr(c)) > 0)
FOLD = str.maketrans(_DIGITS, "0" * len(_DIGITS))  # every decimal digit -> 0 (a 1:1 table: str.translate is fast)
# Scripts written without spaces between words: a "word" there is a whole phrase, so its character pairs count.
UNSPACED_RE = re.compile(r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
MODEL_FILE = "heartbeat_model.json"
_ZEROS = itertools.repeat(0.0)  # an endless default for map(dict.get, keys, _ZEROS); immutable
FORMAT = 1


def _tokens(text: str, max_chars: int) -> list[str]:
    return TOKEN_RE.findall(text[:max_chars].lower().translate(FOLD))


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
    def of(cls, weights: Mapping[str, float], bias: float, max_chars: int, trained_on: str = "") -> HeartbeatModel:
        """A model from weights keyed as `features` names them ("u:poll", "b:nothing to", ...)."""
        tables: dict[str, dict[Any, float]] = {"u": {}, "b": {}, "c": {}, "n": {}}
        for feature, weight in weights.items():
            kind, _, key = feature.partition(":")
            if kind not in tables:
                raise ValueError(f"heartbeat model: unknown feature kind in {feature!r}")
            tables[kind][tuple(key.split(" ", 1)) if kind == "b" else key] = float(weight)
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

    def to_json(self) -> dict[str, Any]:
        flat = {f"{kind}:{' '.join(key) if kind == 'b' else key}": weight
                for kind, table in self.tables.items() for key, weight in table.items()}
        return {"format": FORMAT, "trained_on": self.trained_on, "max_chars": self.max_chars, "bias": self.bias,
                "weights": dict(sorted(flat.items()))}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HeartbeatModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"heartbeat model: unsupported format {data.get('format')!r} (expected {FORMAT})")
        weights = data["weights"]
        if not isinstance(weights, dict) or not all(isinstance(v, (int, float)) for v in weights.values()):
            raise ValueError("heartbeat model: 'weights' must map features to numbers")
        return cls.of(weights, data["bias"], data["max_chars"], str(data.get("trained_on", "")))


def load_shipped() -> HeartbeatModel:
    """The model shipped with the package."""
    raw = resources.files("larouter.routing").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return HeartbeatModel.from_json(json.loads(raw))
