"""The learned check-in model's place in the heartbeat rules: asked only when no rule recognised a check-in, never
of a question, a turn opening with a request word, or a report that counts something (hbmodel.py is the model)."""

from __future__ import annotations

import re

from larouter.routing.asking import QUESTION_MARKS, opening_word
from larouter.routing.compiled import Compiled
from larouter.routing.counts import counts_something
from larouter.routing.troubled import labelled_trouble
from larouter.routing.request_words import REQUEST_OPENERS
from larouter.textsafe import escaped


def model_check_in(text: str, lower: str, rules: Compiled) -> float | None:
    """The learned model's score of a turn no rule recognised as a check-in, when it reaches the threshold. Not
    asked of a question or of a turn opening with a request word: the rules' guards would refuse it anyway."""
    model = rules.hb_model
    if model is None or len(text) > model.max_chars or text.rstrip().endswith(QUESTION_MARKS):
        return None
    first = opening_word(lower)
    if first in rules.hb_openers or first in REQUEST_OPENERS or first in rules.hb_modal_openers:  # "Look over the config ... reply 'fine' if ..."
        return None
    score = model.score(text)
    if score < rules.hb.model_threshold or counts_something(text):  # "New help requests: 2" (the dearer test last)
        return None  # a report with something in it is not the model's to judge
    if _CANNOT_RE.search(lower) or labelled_trouble(text):  # "… kan ikke låses": something that cannot be
        return None  # done; "garage door: open", "pump: stopped": a labelled state in trouble (review 15)
    return score


# Something reported as impossible, in the languages the model was trained on: a problem, whatever else is quiet.
_CANNOT_RE = re.compile(r"\b(?:can't|cannot|can not|unable to|couldn't|could not|kan ikke|kan inte|kann nicht"
                        r"|konnte nicht|lässt sich nicht|ne peut pas|n'a pas pu|no se puede|no puede|no pudo|não pode"
                        r"|não foi possível|non può|non è stato possibile|kan niet|nie można|nie da się|nie udało się"
                        r"|не может|не удалось|не вдалося|не можна|ei voi|nelze|nem lehet|yapılamadı|tidak bisa"
                        r"|tidak dapat)\b")


def model_reason(text: str, score: float, rules: Compiled) -> str:
    """The decision's reason: the score and the words that raised it most."""
    assert rules.hb_model is not None
    # the text's own words and characters, in its script; one that shows nothing (a lone ZWNJ) is spelt out: "\\u200c"
    cues = ", ".join(escaped(c) if any(ch.isprintable() and not ch.isspace() for ch in c) else repr(c)[1:-1]
                     for c in rules.hb_model.cues(text))
    return f"heartbeat: the learned check-in model scores {score:.3f} (cues: {cues})"
