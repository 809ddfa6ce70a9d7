"""The first session ever: said once, plainly, that voice-attune is not therapy.

A small marker file in the private data folder remembers that it was said.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from voice_attune.config import data_dir
from voice_attune.privatefiles import private_folder

log = logging.getLogger(__name__)

MARKER = "first-session-notice-said"


def private_dir(folder: Path | None = None) -> Path:
    """The data folder, created readable by this user only (0700)."""
    folder = folder or data_dir()
    private_folder(folder)
    os.chmod(folder, 0o700)
    return folder


def is_first_session(folder: Path | None = None) -> bool:
    """True until the notice has been said in a session on this machine."""
    return not ((folder or data_dir()) / MARKER).exists()


def remember_notice_said(folder: Path | None = None) -> None:
    """Mark the notice as said; a folder that cannot be written only means it is said again."""
    try:
        path = private_dir(folder) / MARKER
        path.touch(mode=0o600, exist_ok=True)
    except OSError as exc:
        log.warning("could not remember that the first-session notice was said (%s)", exc)
