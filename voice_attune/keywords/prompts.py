"""Everything the guide may say, from the bundled session library, as plain sentences.

A keyword model learns these as negatives in the guide's own voice: the guide's echo must never
sound like the pause word to it.
"""

from __future__ import annotations

import re

from voice_attune.config import Config

_NAMES = {"A": "Sam", "B": "Alex", "speaker": "Sam", "listener": "Alex"}


def library_prompts(config: Config, pause_word: str) -> list[str]:
    """Every prompt of every bundled script and the guide's own sentences (pausing, breathing,
    help, the first session's notice), with names, menus and the pause word filled in."""
    from voice_attune.dialog import prompts as own
    from voice_attune.script import checks
    from voice_attune.script.loader import library_names, load_script

    found: list[str] = []
    for name, value in vars(own).items():
        if name.isupper():
            for text in (value if isinstance(value, tuple) else (value,)):
                if isinstance(text, str):
                    found.append(fill(text.replace("{remaining}", "a minute"), pause_word))
    for name in library_names():
        try:
            script = load_script(name, config)
        except Exception:  # a script that does not load is validate's business, not training's
            continue
        for _, text in checks.spoken_texts(script):
            found.append(fill(text, pause_word))
    return list(dict.fromkeys(t for t in found if t.strip()))


def fill(template: str, pause_word: str) -> str:
    """A template with sample values: names, the pause word, and "something" elsewhere."""

    def value(match: re.Match) -> str:
        key = match.group(1)
        if key == "pause_word":
            return pause_word
        if key == "pause_also":
            return ", or knock twice on the table"
        head = key.split(".")[-1] if key.split(".")[-1] in _NAMES else key.split(".")[0]
        return _NAMES.get(head, "something")

    return re.sub(r"\{([A-Za-z_.]+)\}", value, template)
