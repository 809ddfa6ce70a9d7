"""Before and after a live session: what it brings from earlier ones, and what it leaves.

Shared by `voice-attune run` and the daemon: the first-session notice, the follow-up raised
from the history, the consent question (``privacy``), and afterwards the history record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from voice_attune.config import Config
from voice_attune.dialog.engine import Engine
from voice_attune.dialog.host import DialogSettings
from voice_attune.script.steps import Script


@dataclass
class LiveSession:
    """An engine set up for a live session, and what to do when it is over."""

    engine: Engine
    config: Config
    folder: Path | None = None
    """The data folder (None: the user's)."""
    follow_up: Any = None
    started: datetime = field(default_factory=datetime.now)

    @classmethod
    def prepare(cls, script: Script, config: Config, low_energy: bool = False,
                folder: Path | None = None) -> "LiveSession":
        from voice_attune.history import next_follow_up
        from voice_attune.welcome import is_first_session

        keep = config.privacy.history
        follow_up = next_follow_up(folder) if keep else None
        engine = Engine(script, DialogSettings.of(config), low_energy, first_session=is_first_session(folder),
                        follow_up=follow_up.topic.lower() if follow_up else None,
                        ask_to_keep_words=keep and config.privacy.transcripts == "ask")
        return cls(engine, config, folder, follow_up)

    def close(self, events: list) -> int | None:
        """After the session (ended or not): remember the notice, record it, close what was
        talked about. Failures are reported once and never raise."""
        from voice_attune.history import remember, talked_about
        from voice_attune.welcome import remember_notice_said

        if self.engine.first_notice_said:
            remember_notice_said(self.folder)
        if not self.config.privacy.history:
            return None
        recorded = remember(events, self.started, self.folder)  # only a session that ended
        if self.follow_up is not None and self.engine.follow_up_talked:
            talked_about(self.follow_up, datetime.now(), self.folder)
        return recorded
