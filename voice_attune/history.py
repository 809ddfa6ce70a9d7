"""The couple's private history: one SQLite file in the data folder, never any audio.

A session is recorded from its events (DESIGN.md, principle 4): the script, when it began, how
long it lasted, each partner's speaking time and turns, pauses (when, and what asked for each),
how it ended, the feelings and needs chosen, and anything set aside to come back to; the words said
only when both partners
agreed, at the start of that session, to keep them (``dialog/consent.py``). Every write is one transaction, so a
process killed mid-write leaves the history as it was before; the schema version lives in the
file (``PRAGMA user_version``) and an older history is migrated step by step, never discarded.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from voice_attune.errors import UserError
from voice_attune.events import Event, both_agreed_to_keep_words

FILE = "history.sqlite3"
SIMULATED = "simulated"
"""The folder, inside the data folder, of the history that `simulate --history` keeps: a
simulation never reads or changes the couple's real history."""

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions, the words chosen in them, and what was set aside.
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,          -- local wall-clock time, ISO 8601
        script TEXT NOT NULL,
        duration_s REAL NOT NULL,
        ended TEXT NOT NULL,            -- finished, stop, not_now, unanswered, error
        pauses INTEGER NOT NULL,
        partners TEXT NOT NULL          -- JSON: {"A": {"name", "speech_s", "turns"}, "B": ...}
    );
    CREATE TABLE choices (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        step TEXT NOT NULL,
        partner TEXT NOT NULL,          -- A, B or both
        value TEXT NOT NULL
    );
    CREATE TABLE follow_ups (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
        created TEXT NOT NULL,
        script TEXT NOT NULL,
        topic TEXT NOT NULL,            -- what was set aside, as the guide can say it
        closed TEXT                     -- when it was talked about (NULL: still open)
    );
    """,
    # 2: the words said, only for a session in which both partners agreed to keep them.
    """
    CREATE TABLE transcripts (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL NOT NULL,                -- audio seconds into the session
        partner TEXT NOT NULL,          -- A or B whose turn it was; '' outside a turn
        text TEXT NOT NULL
    );
    """,
    # 3: each pause: when, what asked for it, and whether the session went on.
    """
    CREATE TABLE pauses (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL NOT NULL,                -- audio seconds into the session
        asked_by TEXT,                  -- word, key, button, knock, care, check_in, microphone; NULL: unknown
        step TEXT NOT NULL,             -- the script step it paused ('' before the first)
        partner TEXT NOT NULL,          -- A or B whose turn it paused; '' outside a turn
        went_on INTEGER NOT NULL        -- 1: the session resumed after it
    );
    """,
)


@dataclass
class Session:
    """One recorded session, as `voice-attune history` shows it."""

    id: int
    started: datetime
    script: str
    duration_s: float
    ended: str
    pauses: int
    partners: dict[str, dict[str, Any]]
    choices: list[tuple[str, str, str]] = field(default_factory=list)
    """(step, partner, value)."""
    pause_log: list["PauseMark"] = field(default_factory=list)
    """Each pause, in order (empty for sessions recorded before pauses were kept one by one)."""


@dataclass(frozen=True)
class PauseMark:
    """One pause of a session."""

    t: float
    """Audio seconds into the session."""
    by: str | None
    """What asked for it: word, key, button, knock, care, check_in, microphone (None: unknown)."""
    step: str
    """The id of the script step it paused ('' before the first step)."""
    partner: str
    """A or B whose turn it paused; '' outside a turn."""
    went_on: bool
    """Whether the session resumed after it."""


@dataclass
class FollowUp:
    id: int
    created: datetime
    script: str
    topic: str
    closed: datetime | None = None
    """When it was talked about (None: still open)."""


class History:
    """The history file; open it with ``History.open(folder)``."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def open(cls, folder: Path, notice=None) -> "History":
        """Open (creating or migrating) the history in ``folder``, private to this user.

        A damaged file (a page overwritten, a disk fault) is moved aside, dated, and a new one
        started, with one line to ``notice`` (default: standard error); `forget --all` deletes
        such copies too."""
        from voice_attune.welcome import private_dir

        try:
            path = private_dir(folder) / FILE
            history = cls(path)
            damage = history._prepare()
            if damage is not None:
                aside = path.with_name(f"{FILE}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
                os.replace(path, aside)
                message = (f"The history file {path} was damaged ({damage}); it was moved aside to "
                           f"{aside.name} and a new one started.")
                (notice or (lambda m: print(m, file=sys.stderr)))(message)
                if history._prepare() is not None:
                    raise sqlite3.DatabaseError("a new history file could not be started")
        except (OSError, sqlite3.Error) as exc:
            raise UserError(f"cannot open the history ({exc})", str(folder / FILE)) from None
        return history

    def _prepare(self) -> str | None:
        """Create or migrate the file (0600); returns what is wrong with it if it is damaged."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)
        try:
            with closing(self._connect()) as db:
                _migrate(db)
                found = db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            if "newer voice-attune" in str(exc):
                raise
            return str(exc)
        if [row[0] for row in found] != ["ok"]:
            return "; ".join(str(row[0]) for row in found[:2])
        return None

    @staticmethod
    def damaged_copies(folder: Path) -> list[Path]:
        """History files moved aside because they were damaged (they still hold sessions)."""
        return sorted(folder.glob(f"{FILE}.damaged-*"))

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def record(self, events: Iterable[Event], started: datetime) -> int | None:
        """Record one session from its events, in one transaction; returns its id (None: the
        events hold no ended session)."""
        events = list(events)
        start = next((e for e in events if e.type == "session_start"), None)
        end = next((e for e in events if e.type == "session_end"), None)
        if start is None or end is None:
            return None
        summary = end.summary
        with closing(self._connect()) as db, db:
            cur = db.execute(
                "INSERT INTO sessions (started, script, duration_s, ended, pauses, partners)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (started.isoformat(timespec="seconds"), start.script, summary.get("duration_s", end.t),
                 end.reason, summary.get("pauses", 0), json.dumps(summary.get("partners", {}))),
            )
            session_id = cur.lastrowid
            db.executemany(
                "INSERT INTO choices (session_id, step, partner, value) VALUES (?, ?, ?, ?)",
                [(session_id, step, who, value)
                 for step, by in summary.get("choices", {}).items() for who, value in by.items()],
            )
            db.executemany("INSERT INTO transcripts (session_id, t, partner, text) VALUES (?, ?, ?, ?)",
                           [(session_id, *said) for said in _words_said(events)])
            db.executemany("INSERT INTO pauses (session_id, t, asked_by, step, partner, went_on)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           [(session_id, p.t, p.by, p.step, p.partner, int(p.went_on))
                            for p in _pauses(events)])
            db.executemany(
                "INSERT INTO follow_ups (session_id, created, script, topic) VALUES (?, ?, ?, ?)",
                [(session_id, started.isoformat(timespec="seconds"), f.get("script", start.script),
                  f.get("title") or f.get("script", start.script))
                 for f in summary.get("follow_ups", [])],
            )
        return session_id

    def transcript(self, session_id: int) -> list[tuple[float, str, str]]:
        """(t, partner, text) of a session whose words were kept (empty: none were)."""
        with closing(self._connect()) as db:
            return db.execute("SELECT t, partner, text FROM transcripts WHERE session_id = ? ORDER BY t",
                              (session_id,)).fetchall()

    def sessions(self, since: datetime | None = None, until: datetime | None = None) -> list[Session]:
        """Recorded sessions, newest first, optionally within [since, until)."""
        where, args = _period(since, until)
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT id, started, script, duration_s, ended, pauses, partners FROM sessions"
                f"{where} ORDER BY started DESC, id DESC", args).fetchall()
            chosen: dict[int, list[tuple[str, str, str]]] = {}
            for sid, step, who, value in db.execute("SELECT session_id, step, partner, value FROM choices"):
                chosen.setdefault(sid, []).append((step, who, value))
            paused: dict[int, list[PauseMark]] = {}
            for sid, t, by, step, who, went_on in db.execute(
                    "SELECT session_id, t, asked_by, step, partner, went_on FROM pauses ORDER BY session_id, t"):
                paused.setdefault(sid, []).append(PauseMark(t, by, step, who, bool(went_on)))
        return [Session(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], json.loads(r[6]),
                        chosen.get(r[0], []), paused.get(r[0], [])) for r in rows]

    def open_follow_ups(self) -> list[FollowUp]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT id, created, script, topic FROM follow_ups WHERE closed IS NULL"
                              " ORDER BY created, id").fetchall()
        return [FollowUp(r[0], datetime.fromisoformat(r[1]), r[2], r[3]) for r in rows]

    def follow_ups(self, since: datetime | None = None, until: datetime | None = None) -> list[FollowUp]:
        """Everything set aside within [since, until), open or talked about since, oldest first."""
        where, args = _period(since, until, column="created")
        with closing(self._connect()) as db:
            rows = db.execute(f"SELECT id, created, script, topic, closed FROM follow_ups{where}"
                              " ORDER BY created, id", args).fetchall()
        return [FollowUp(r[0], datetime.fromisoformat(r[1]), r[2], r[3],
                         datetime.fromisoformat(r[4]) if r[4] else None) for r in rows]

    def close_follow_up(self, follow_up_id: int, when: datetime) -> None:
        with closing(self._connect()) as db, db:
            db.execute("UPDATE follow_ups SET closed = ? WHERE id = ?",
                       (when.isoformat(timespec="seconds"), follow_up_id))

    def forget(self, since: datetime | None = None, until: datetime | None = None) -> int:
        """Delete the sessions of a period (all: no bounds) and their follow-ups, then compact
        the file so the deleted rows are gone from the disk too. Returns how many were deleted."""
        where, args = _period(since, until)
        with closing(self._connect()) as db:
            with db:
                ids = [r[0] for r in db.execute(f"SELECT id FROM sessions{where}", args)]
                db.executemany("DELETE FROM follow_ups WHERE session_id = ?", [(i,) for i in ids])
                db.executemany("DELETE FROM sessions WHERE id = ?", [(i,) for i in ids])
                if since is None and until is None:
                    db.execute("DELETE FROM follow_ups")
            db.execute("VACUUM")
        return len(ids)


def _words_said(events: list[Event]) -> list[tuple[float, str, str]]:
    """(t, partner, text) of every utterance, only if both partners agreed to keep them in
    this session; else nothing. Words withheld for care (``final.care``) are never here."""
    if not both_agreed_to_keep_words(events):
        return []
    said, partner = [], ""
    for event in events:
        if event.type == "turn_start":
            partner = event.partner
        elif event.type == "turn_end":
            partner = ""
        elif event.type == "final" and event.text.strip() and not getattr(event, "care", False):
            said.append((round(event.t, 3), partner, event.text.strip()))
    return said


def _pauses(events: list[Event]) -> list[PauseMark]:
    """Each pause of a session's events: when, what asked for it, the step and turn it paused,
    and whether the session went on after it."""
    marks: list[PauseMark] = []
    step, closed = "", None
    for event in events:
        if event.type == "step" and event.kind != "care":  # a care step follows its own pause
            step = event.id
        elif event.type == "turn_end":
            closed = event
        elif event.type == "paused":
            # A pause closes the open turn first, at the same moment, with reason "pause".
            in_turn = closed is not None and closed.reason == "pause" and closed.t == event.t
            marks.append(PauseMark(round(event.t, 3), event.by, step, closed.partner if in_turn else "", False))
        elif event.type == "resumed" and marks:
            marks[-1] = replace(marks[-1], went_on=True)
    return marks


def _period(since: datetime | None, until: datetime | None,
            column: str = "started") -> tuple[str, list[str]]:
    clauses, args = [], []
    if since is not None:
        clauses.append(f"{column} >= ?")
        args.append(since.isoformat(timespec="seconds"))
    if until is not None:
        clauses.append(f"{column} < ?")
        args.append(until.isoformat(timespec="seconds"))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _migrate(db: sqlite3.Connection) -> None:
    """Bring an older history up to date, one version at a time, each in one transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise sqlite3.DatabaseError(f"written by a newer voice-attune (version {version})")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")


def simulated_folder() -> Path:
    """Where simulated sessions are remembered (``simulate --history``, ``history --simulated``)."""
    from voice_attune.config import data_dir

    return data_dir() / SIMULATED


def remember(events: Iterable[Event], started: datetime, folder: Path | None = None,
             notice=None) -> int | None:
    """Record a session that has ended; a history that cannot be written (a full disk, a
    read-only folder) is reported once and never breaks anything."""
    from voice_attune.config import data_dir

    try:
        return History.open(folder or data_dir()).record(events, started)
    except (UserError, OSError, sqlite3.Error) as exc:
        message = f"This session could not be added to the history: {exc}"
        (notice or (lambda m: print(m, file=sys.stderr)))(message)
        return None


def next_follow_up(folder: Path | None = None) -> FollowUp | None:
    """The oldest follow-up still open (None if there is none, or no readable history)."""
    from voice_attune.config import data_dir

    try:
        path = (folder or data_dir()) / FILE
        if not path.exists():
            return None
        found = History.open(folder or data_dir()).open_follow_ups()
    except (UserError, OSError, sqlite3.Error):
        return None
    return found[0] if found else None


def talked_about(follow_up: FollowUp, when: datetime, folder: Path | None = None) -> None:
    """Close a follow-up the couple came back to (a failure only leaves it open)."""
    from voice_attune.config import data_dir

    try:
        History.open(folder or data_dir()).close_follow_up(follow_up.id, when)
    except (UserError, OSError, sqlite3.Error):
        pass
