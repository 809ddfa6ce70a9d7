"""Where keyword models live, and which words can have one.

A couple's trained pause word is kept in the data folder, keyed by the word; the models built
by the repository (the default pause word, the commands) ship inside the package. A model in
the data folder wins over a shipped one for the same word.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Iterable

from voice_attune.config import data_dir
from voice_attune.errors import UserError
from voice_attune.text import normalize

COMMANDS_FILE = "commands.npz"
"""The shipped model of the commands and answers."""


def slug(word: str) -> str:
    """A file name for a word: its letters folded to ASCII, and a hash so no two words meet."""
    text = normalize(word)
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:40] or "word"
    return f"{safe}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def user_folder() -> Path:
    return data_dir() / "keywords"


def bundled_folder() -> Path:
    return Path(str(resources.files("voice_attune") / "data" / "keywords"))


def user_model_path(word: str) -> Path:
    """Where ``train-word`` keeps the model of ``word``."""
    return user_folder() / f"{slug(word)}.npz"


def find_model(word: str) -> Path | None:
    """The model file for ``word``: the couple's own, else a shipped one, else None."""
    for path in (user_model_path(word), bundled_folder() / f"{slug(word)}.npz"):
        if path.exists():
            return path
    return None


def commands_model_path() -> Path:
    return bundled_folder() / COMMANDS_FILE


def menu_words(feelings: dict[str, dict[str, str]]) -> list[str]:
    """What a couple may answer from their feelings menu: its groups and its feelings."""
    words = list(feelings) + [w for group in feelings.values() for w in group]
    return list(dict.fromkeys(normalize(w) for w in words if normalize(w)))


def menu_model_path(feelings: dict[str, dict[str, str]]) -> Path:
    """Where the keyword model of this feelings menu is kept (keyed by its words)."""
    key = "\n".join(sorted(menu_words(feelings)))
    return user_folder() / f"menu-{hashlib.sha1(key.encode()).hexdigest()[:10]}.npz"


def check_word(word: str, commands: Iterable[str]) -> str:
    """The word, normalised, if it can be a pause word; else a one-line UserError why not."""
    text = normalize(word)
    if not text:
        raise UserError("the pause word is empty; choose a word you would never say by accident")
    letters = re.sub(r"[\W_]+", "", text)
    if len(letters) < 4:
        raise UserError(
            f"'{word}' is too short to be heard reliably as a pause word; choose one of at least two "
            "syllables (for example: pineapple, marigold, lighthouse)")
    taken = {normalize(c) for c in commands}
    if text in taken:
        raise UserError(f"'{word}' is already a spoken command; choose a different pause word")
    return text
