"""Messages that quote client input quote it short.

`brief()` is applied by the API exception handler to every message it sends, so a message that
echoes input (ours, or DRF's "... is not a valid choice") stays small whatever the input was.
`quote()` is for code that puts client input into a message itself.
"""

import re

MESSAGE_MAX_CHARS = 300
WORD_MAX_CHARS = 60
"""Longer runs of non-blank characters are input, not prose: their middle is elided."""
QUOTE_MAX_CHARS = 40
ELLIPSIS = "…"

_LONG_WORD = re.compile(rf"\S{{{WORD_MAX_CHARS + 1},}}")


def brief(text: str) -> str:
    text = _LONG_WORD.sub(_elide, text)
    if len(text) > MESSAGE_MAX_CHARS:
        text = text[: MESSAGE_MAX_CHARS - 1] + ELLIPSIS
    return text


def quote(value: object) -> str:
    """`value` as a quoted string of at most `QUOTE_MAX_CHARS` characters of it."""
    text = str(value)
    if len(text) > QUOTE_MAX_CHARS:
        text = text[: QUOTE_MAX_CHARS - 1] + ELLIPSIS
    return repr(text)


def _elide(match: re.Match[str]) -> str:
    word = match[0]
    return word[: WORD_MAX_CHARS - 12] + ELLIPSIS + word[-11:]
