"""`voice-attune forget`: delete the history, all of it or a period, for real."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from voice_attune.config import Config
from voice_attune.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "forget",
        help="delete your session history (all of it, or a period), for real",
        description=(
            "Delete recorded sessions and what was set aside in them. The history file is then "
            "compacted, so the deleted rows are gone from the disk too, not only hidden. You are "
            "asked to type 'forget' first, or with --spoken to say 'forget it' aloud, unless you "
            "add --yes."
        ),
        epilog="Examples: voice-attune forget --all;  voice-attune forget --before 2026-10-01;  "
               "voice-attune forget --since 2026-11-20 --until 2026-11-23",
    )
    p.add_argument("--all", action="store_true", help="everything")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="sessions on or after this day")
    p.add_argument("--until", "--before", dest="until", metavar="YYYY-MM-DD", help="sessions before this day")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--spoken", action="store_true",
                   help="confirm by voice: the guide asks, and you say 'forget it' (or 'keep it')")
    p.add_argument("--audio", metavar="FILE.wav",
                   help="with --spoken: hear the answer from a recording instead of the microphone")
    return p


CONFIRM, KEEP = "forget it", "keep it"
LISTEN_SECONDS = 12.0
"""How long a spoken confirmation is waited for; silence keeps everything."""


def spoken_answer(config: Config, audio: str | None, engine: str | None = None) -> str | None:
    """Ask aloud and listen for "forget it" or "keep it"; returns which was heard, or None.

    The answer is heard through the expected-answer recognizer and the transcript together,
    and only "forget it" deletes: anything else, or silence, keeps the history."""
    from voice_attune.asr.engines import open_engine
    from voice_attune.asr.listener import build_listener

    question = f"To delete it, say: {CONFIRM}. To keep it, say: {KEEP}."
    print(question, flush=True)
    if audio:
        from voice_attune.asr.audiofile import AudioFileSource

        frames = AudioFileSource(audio).frames()
    else:
        from voice_attune.asr.mic import MicrophoneSource
        from voice_attune.voice.player import SoundDevicePlayer
        from voice_attune.voice.speaking import Voice

        player = SoundDevicePlayer(config.audio.output_device)
        player.play(Voice(config.voice).render("This deletes your history for good. " + question))
        player.wait()
        frames = MicrophoneSource(config.audio.input_device).frames()
    listener = build_listener(config, open_engine(config, engine, notice=lambda m: print(m, file=sys.stderr)))
    listener.expect((CONFIRM, KEEP))
    choices = {"forget": (CONFIRM,), "keep": (KEEP, "keep", "no", "cancel")}
    for frame in frames:
        over = frame.end >= LISTEN_SECONDS
        heard = _answer_in(listener.feed(frame) + (listener.close() if over else []), choices)
        if heard is not None or over:
            return heard
    return _answer_in(listener.close(), choices)


def _answer_in(events: list, choices: dict[str, tuple[str, ...]]) -> str | None:
    from voice_attune.dialog.answers import best_match
    from voice_attune.events import Final

    for event in events:
        if isinstance(event, Final):
            heard = best_match(event.text, choices) or (best_match(event.answer, choices) if event.answer else None)
            if heard is not None:
                return heard
    return None


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.config import data_dir
    from voice_attune.history import History

    if not (args.all or args.since or args.until):
        raise UserError("say what to forget: --all, or a period with --since and/or --before")
    if args.audio and not args.spoken:
        raise UserError("--audio is for --spoken: the recording holds the spoken answer")
    since, until = _day(args.since, "--since"), _day(args.until, "--before")
    history = History.open(data_dir())
    doomed = history.sessions(since, until)
    period = "all your history" if args.all and not (since or until) else (
        f"the sessions {'from ' + args.since if since else ''}{' ' if since and until else ''}"
        f"{'before ' + args.until if until else ''}")
    if not doomed and not args.all:
        print(f"Nothing to forget: no sessions in {period}.")
        return 0
    print(f"This deletes {period}: {len(doomed)} session(s), the words kept in them and what was set "
          "aside in them, for good.")
    if not args.yes and not _confirmed(args, config):
        print("Nothing was deleted.")
        return 0
    gone = history.forget(since, until)
    print(f"Forgotten: {gone} session(s). The history file was compacted.", file=sys.stdout)
    if args.all and not (since or until):
        from voice_attune.history import FILE, simulated_folder

        copies = History.damaged_copies(data_dir())
        for copy in copies:
            copy.unlink()
        simulated = [p for p in simulated_folder().glob(f"{FILE}*") if p.is_file()]
        for path in simulated:
            path.unlink()
        if simulated:
            print("Deleted the history of simulated sessions.")
        if copies:
            print(f"Deleted {len(copies)} damaged history file(s) that had been moved aside.")
        emptied = forget_prompt_cache()
        if emptied:
            print(f"Emptied the prompt cache ({emptied} rendered prompt(s)).")
        undone = forget_enrolment()
        if undone:
            print(f"Forgotten: what {undone} enrolment(s) kept of your voices; the pause word models are "
                  "back as trained.")
    return 0


def forget_prompt_cache() -> int:
    """Delete every rendered prompt on disk (they hold only the guide's own words, but a couple
    who forget everything should find nothing of their sessions left)."""
    from voice_attune.voice.cache import default_cache_dir

    folder = default_cache_dir()
    if not folder.is_dir():
        return 0
    count = 0
    for path in folder.glob("*.npy"):
        path.unlink(missing_ok=True)
        count += 1
    return count


def forget_enrolment() -> int:
    """Delete the speech features kept by `enroll` and put back each model as it was trained."""
    from voice_attune.asr import kws_store

    folder = kws_store.user_folder()
    if not folder.is_dir():
        return 0
    count = 0
    for features in folder.glob("*.enrolled.npz"):
        features.unlink()
        count += 1
    for base in folder.glob("*.base.npz"):
        base.replace(folder / base.name.replace(".base.npz", ".npz"))
    return count


def _confirmed(args: argparse.Namespace, config: Config) -> bool:
    if args.spoken:
        return spoken_answer(config, args.audio) == "forget"
    try:
        return input("Type forget to confirm: ").strip().lower() == "forget"
    except EOFError:
        return False


def _day(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise UserError(f"{flag} needs a day like 2026-11-01, not '{text}'") from None
