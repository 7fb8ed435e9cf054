"""Texts longer than the encoder's token window: which end of them the encoder sees.

A sentence encoder keeps the first `max_seq_length` tokens (all-MiniLM-L6-v2: 256). A user unit's text lists
its titles oldest first, so cutting its end drops the most recent titles — the ones that matter most for the
next item. `embedding.user_text_window = "recent"` cuts user texts from the start instead: the text is cut
before the first token that still fits and then after the next title separator, so whole titles remain.
Item texts always keep their start (the title comes first). Either way the stage says how many texts were cut.

An embedder offers this through an optional `token_counts(texts) -> list[int]` and `tail(text, tokens) -> str`
(the text's end that encodes to at most `tokens` tokens) plus `max_tokens`; one without them (a hosted API)
gets the texts unchanged and no count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# Title boundaries, most specific first: the default user template's "<t1>; <t2>" (a title may itself hold "; "),
# then plain separators; the second part of each pair is where the kept text starts.
SEPARATORS = ((">; <", 3), ("; ", 2), (" -> ", 4), ("\n", 1))


@runtime_checkable
class TokenWindow(Protocol):
    max_tokens: int

    def token_counts(self, texts: list[str]) -> list[int]:
        """Tokens of each text, special tokens included, without truncation."""

    def tail(self, text: str, tokens: int) -> str:
        """The longest end of `text` that encodes to at most `tokens` tokens (special tokens included)."""


@dataclass(frozen=True)
class Fitted:
    texts: list[str]
    too_long: int  # texts longer than the window (cut, or left to the encoder's own cut at the end)


def fit_user_texts(texts: list[str], embedder: object, keep: str) -> Fitted:
    """User texts as the encoder should see them (`keep`: "recent" or "start")."""
    if not isinstance(embedder, TokenWindow):
        return Fitted(texts, 0)
    counts = embedder.token_counts(texts)
    long = [i for i, count in enumerate(counts) if count > embedder.max_tokens]
    if keep == "start":
        return Fitted(texts, len(long))
    fitted = list(texts)
    for i in long:
        fitted[i] = whole_titles(texts[i], embedder.tail(texts[i], embedder.max_tokens))
    return Fitted(fitted, len(long))


def count_too_long(texts: list[str], embedder: object) -> int:
    if not isinstance(embedder, TokenWindow):
        return 0
    return sum(count > embedder.max_tokens for count in embedder.token_counts(texts))


def whole_titles(text: str, tail: str) -> str:
    """`tail` (an end of `text`) advanced past its first separator, so that it starts at a whole title."""
    if tail == text:
        return text
    for separator, skip in SEPARATORS:
        at = tail.find(separator)
        if at >= 0 and tail[at + skip:]:
            return tail[at + skip:]
    return tail
