"""A request to translate or summarise technical material for a reader: writing, not engineering.

"Translate this README section into Spanish: ```bash npm install …```", "Summarise this incident thread for Gwen (not
an engineer): 09:02 kubectl get pods shows 4/12 OOMKilled …", "把下面的 release notes 翻译成简体中文": the code words
are in the material, and the work asked is prose. The scorer counts the material's code cues and would send it to
COMPLEX; `prose_of_material` lets `signals.assess` cap it at MEDIUM instead.

Only the request's own words are read: its first paragraph, or its last when the material comes first. They must ask
to translate or summarise, and must not ask for engineering or problem solving ("… and fix the bug", "explain",
"review", "what is wrong", "… and solve it"), name code as what is translated ("this script") or a programming
language as the target ("into Rust"), or hold code or reasoning cues themselves (`signals.assess` checks that: inline
code, a path, an identifier; a proof asked for). The same holds for maths notation in the material: "Summarise these
docs (… ≤ ackMaxChars …)" is MEDIUM, not REASONING.
"""

from __future__ import annotations

import re

# Translate or summarise, as verbs, in the languages agents are run in ("übersetze", "résume", "总结", "요약해").
_VERB_RE = re.compile(
    r"\b(?:translat(?:e|ing)|summari[sz](?:e|ing)|sum up|recap|tl;?dr|traduc(?:e|ir|iendo)|tradu(?:z|za|zir|is|ire"
    r"|isez)|übersetze?n?|zusammenfassen|fasse?\b[^\n]{0,60}\bzusammen|résum(?:e|ez|er)|resum(?:e|a|ir|en)|riassumi"
    r"|riassumere|tradu(?:ci|rre)|vertaal|samenvatten|vat\b[^\n]{0,60}\bsamen|переведи\w*|перевести"
    r"|перекла(?:ди|сти)\w*|резюмир\w*|подыто\w*|кратко перескаж\w*|przetłumacz\w*|streść|podsumuj\w*|çevir\w*"
    r"|özetle\w*|terjemahkan"
    r"|ringkaskan|rangkum\w*|dịch|tóm tắt|översätt\w*|sammanfatta|oversæt\w*|oversett\w*|opsummer|oppsummer)\b"
    r"|翻[译譯]|翻訳|要約|まとめて|总结|總結|概括|摘要|번역|요약",
    re.I,
)
# Engineering or problem solving asked beside it: the material is to be worked on, not only rendered for a reader
# ("feat/fix" and "/ 修复" name commit prefixes, not a request).
_WORK_RE = re.compile(
    r"(?<![/\w])(?:fix(?:es|ing)?|explain\w*|debug\w*|refactor\w*|implement\w*|review\w*|optimi[sz]e\w*|rewrite"
    r"|port(?:ing)?|migrat\w*|find (?:the |any )?bugs?|what(?:'s| is) wrong|root cause|why (?:does|did|is)"
    r"|write (?:a |the )?(?:test|code|function|script|patch)|unit tests?|convert)\b"
    r"|(?<![/、])(?<![/、] )(?:修复|调试|重构|修正)|デバッグ|リファクタ|수정|디버그"
    r"|\b(?:solve|prove|compute|calculate|work out|answer it|löse|lösen|resuelve|resolver|résous|résoudre|risolvi"
    r"|resolva|реши\w*|вычисли\w*|rozwiąż|oblicz|çöz\w*|hitung|giải)\b|解[答决決]|求解|計算|풀어",
    re.I,
)
_LANGUAGES = (r"python|rust|go|golang|typescript|javascript|js|ts|java|kotlin|swift|c\+\+|c#|ruby|php|scala|sql|bash"
              r"|shell|powershell|haskell|elixir|lua|perl|dart|julia|zig|c")
# Code as what is translated ("this code", "этот bash-скрипт") or a programming language as the target ("into proper
# Rust", "на Python", "成 Python").
_CODE_TARGET_RE = re.compile(
    r"\b(?:this|the|that|my|following|these)\s+(?:[\w+#-]+\s+)?(?:code|script|function|class|program|snippet"
    r"|module)s?\b"
    r"|(?:код|скрипт|функци)\w*"
    rf"|(?:\b(?:into|to|in|en|nach|naar|para|на|w|na)\s+(?:[\w-]+\s+){{0,2}}|成\s*|为\s*)"
    rf"(?:{_LANGUAGES})(?![\w+#])",
    re.I,
)
_BREAK_RE = re.compile(r"\n\s*\n|```|:[ \t]*\n")  # where the request's words end and the material begins
_MAX_LAST = 300
_MAX_INLINE = 160  # a request and its colon open a one-paragraph text within this many characters
_MIN_MATERIAL = 80  # and the material after it is at least this long
_NOT_PROSE = ("#", "-", "*", "|", ">", "{", "[", "<")  # a last paragraph that is a heading, list, table, quote, data


def request_words(text: str) -> str:
    """Where a text says what is wanted done with what it carries: its first paragraph (up to a blank line, a code
    fence, or a line ending in a colon) when that asks to translate or summarise, else its last paragraph when that
    is short prose asking so (the material came first); "" when neither does, or when there is no material."""
    stripped = text.strip()
    head = _BREAK_RE.search(stripped)
    if head is None:  # one paragraph: "Summarize this in two sentences: Kubernetes uses etcd as …"
        colon = stripped.find(": ", 0, _MAX_INLINE)
        inline = colon > 0 and len(stripped) - colon >= _MIN_MATERIAL and "\n" not in stripped[:colon]
        return stripped[:colon] if inline and _VERB_RE.search(stripped, 0, colon) is not None else ""
    first = stripped[: head.start()]
    if _VERB_RE.search(first) is not None:
        return first
    last = stripped[stripped.rfind("\n\n") + 2 :]
    if len(last) <= _MAX_LAST and "`" not in last and not last.lstrip().startswith(_NOT_PROSE):
        return last if _VERB_RE.search(last) is not None else ""
    return ""


def prose_of_material(text: str) -> str:
    """The request's own words when `text` asks to translate or summarise material it carries for a reader (see the
    module docstring), else ""."""
    words = request_words(text)
    if not words or _WORK_RE.search(words) is not None or _CODE_TARGET_RE.search(words) is not None:
        return ""
    return words
