"""A cache of rendered prompts, in memory and on disk, so a Raspberry Pi speaks without delay.

Privacy: only the assistant's own words are stored here, never a partner's speech, and never a
prompt that reads back something of the couple's (their words, a choice, a topic set aside): those
are rendered afresh each time (``render(text, private=True)``). Files are 0600 in a 0700 folder,
and `forget --all` empties the folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

import numpy as np

from voice_attune.config.voice import VoiceSettings
from voice_attune.privatefiles import private_folder, write_private
from voice_attune.voice.synth import Synthesizer

log = logging.getLogger(__name__)

_FORMAT = 1
"""Bumped when rendering changes in a way the key cannot see, so old files are not reused."""

_MIN_MEMORY_BYTES = 8 * 1024 * 1024
"""Kept in memory even when the disk cache is off: a session's prompts fit many times over."""


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/voice-attune/prompts (~/.cache/voice-attune/prompts when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "voice-attune" / "prompts"


class PromptCache:
    """A Synthesizer that renders each (engine, voice, rate, volume, text) once.

    Hits are served from memory, then from disk; the disk folder is kept under ``cache_mb`` by
    deleting the least recently used files (by mtime, which a hit refreshes).
    """

    def __init__(self, synth: Synthesizer, settings: VoiceSettings, directory: Path | None = None):
        self.synth = synth
        self.settings = settings
        self.directory = (directory or default_cache_dir()) if settings.cache_mb > 0 else None
        self.max_bytes = settings.cache_mb * 1024 * 1024
        self.hits = 0
        self.misses = 0
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_bytes = 0
        self._memory_max = max(self.max_bytes, _MIN_MEMORY_BYTES)
        # One render at a time: a prefetch thread and the runner may ask for the same prompt.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.synth.name

    def key(self, text: str) -> str:
        """The sha256 that names ``text``'s audio for this synthesizer (and the service it asks,
        if any) and these settings."""
        s = self.settings
        parts = [_FORMAT, self.synth.name, s.voice, s.rate, round(s.volume, 4), text]
        tag = getattr(self.synth, "cache_tag", None)
        if tag:  # only where there is one, so the local engines' files keep their names
            parts.append(tag)
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def render(self, text: str, private: bool = False) -> np.ndarray:
        """The prompt's audio (read-only), rendered only if no copy is cached; a ``private``
        prompt is rendered and handed back, kept neither on disk nor in memory."""
        if private:
            render = getattr(self.synth, "render_private", self.synth.render)
            with self._lock:
                self.misses += 1
                return np.ascontiguousarray(render(text), dtype=np.int16)
        key = self.key(text)
        with self._lock:
            pcm = self._memory.get(key)
            if pcm is not None:
                self._memory.move_to_end(key)
                self.hits += 1
                return pcm
            pcm = self._load(key)
            if pcm is not None:
                self.hits += 1
            else:
                self.misses += 1
                pcm = np.ascontiguousarray(self.synth.render(text), dtype=np.int16)
                # A service that failed while rendering handed over to the local voice: the
                # audio is filed under the engine that made it, never under the service.
                key = self.key(text)
                self._save(key, pcm)
            pcm.flags.writeable = False  # shared by every caller: nobody may change it
            self._remember(key, pcm)
            return pcm

    def prefetch(self, texts: Iterable[str]) -> None:
        """Render ``texts`` ahead of time (for instance every fixed prompt of a script)."""
        for text in texts:
            self.render(text)

    # -- memory --------------------------------------------------------------------------------

    def _remember(self, key: str, pcm: np.ndarray) -> None:
        self._memory[key] = pcm
        self._memory_bytes += pcm.nbytes
        while self._memory_bytes > self._memory_max and len(self._memory) > 1:
            _, old = self._memory.popitem(last=False)
            self._memory_bytes -= old.nbytes

    # -- disk ----------------------------------------------------------------------------------

    def _path(self, key: str) -> Path | None:
        return self.directory / f"{key}.npy" if self.directory else None

    def _load(self, key: str) -> np.ndarray | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            pcm = np.load(path, allow_pickle=False)
            if pcm.dtype != np.int16 or pcm.ndim != 1:
                raise ValueError(f"holds {pcm.dtype} of shape {pcm.shape}")
            os.utime(path)  # a hit makes it recently used
            return pcm
        except (OSError, ValueError, EOFError) as exc:
            # A crash mid-write elsewhere, a full disk, a stray file: render it again.
            log.info("cached prompt %s is unreadable (%s); rendering it again", path.name, exc)
            path.unlink(missing_ok=True)
            return None

    def _save(self, key: str, pcm: np.ndarray) -> None:
        path = self._path(key)
        if path is None or self.directory is None:
            return
        try:
            # Whole files only (a reader never sees half of one), 0600 in a 0700 folder.
            private_folder(self.directory.parent)
            write_private(path, lambda f: np.save(f, pcm, allow_pickle=False))
            self.directory.chmod(0o700)
            self._prune()
        except OSError as exc:
            log.warning("cannot cache prompts in %s (%s); keeping them in memory only",
                        self.directory, exc)
            self.directory = None

    def _prune(self) -> None:
        assert self.directory is not None
        files = []
        for p in self.directory.glob("*.npy"):
            try:
                st = p.stat()
            except OSError:  # removed by another process meanwhile
                continue
            files.append((st.st_mtime, st.st_size, p))
        total = sum(size for _, size, _ in files)
        for _, size, p in sorted(files):
            if total <= self.max_bytes:
                break
            p.unlink(missing_ok=True)
            total -= size
