"""Private files written whole: mode 0600 in a 0700 folder, through a temporary file and a
rename, so an interrupted write never leaves half a file where a reader would find it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, BinaryIO, Callable


def private_folder(folder: Path) -> Path:
    """``folder``, made if it is missing, with each folder made on the way readable by this user
    only (0700): Path.mkdir(parents=True, mode=...) gives that mode to the last folder alone,
    and the data folder above a first keyword model was left open to everyone's listing."""
    missing, at = [], folder
    while not at.exists() and at.parent != at:
        missing.append(at)
        at = at.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700, exist_ok=True)
        os.chmod(made, 0o700)
    return folder


def write_private(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write`` with a binary file that becomes ``path`` only once it is complete."""
    private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_private(path: str | Path, mode: str = "w") -> IO[str]:
    """A text file for writing ("w") or appending ("a"), readable by this user only (0600, also
    when it existed before); its folder must exist."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, mode, encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
