"""The guide never hears itself: echo cancellation, the simulated room's echo path, and every
prompt of the library played back into the microphone with nobody speaking."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.echo import canceller_missing, echo_canceller
from voice_attune.asr.frames import Frame
from voice_attune.asr.listener import build_listener
from voice_attune.config import Config
from voice_attune.dialog import prompts as own
from voice_attune.errors import UserError
from voice_attune.events import Spotted
from voice_attune.script import checks
from voice_attune.script.loader import library_names, load_script
from voice_attune.session.room import EchoPath, guide_heard
from voice_attune.session.scenario import Echo, Scenario
from voice_attune.synthetic.compose import trim
from voice_attune.synthetic.speech import piper_available, synthesize
from voice_attune.voice.speaking import Voice

# Filled in as a couple's session would: their names, a time left, their own words read back.
_VALUES = {"speaker": "Jamie", "A": "Jamie", "listener": "Robin", "B": "Robin", "pause_word": "pineapple",
           "remaining": "two minutes", "pause_also": ", or knock twice on the table", "options": "tired, lonely, calm, or hopeful",
           "feeling": "lonely", "need": "closeness", "crisis_line": "You can call the Samaritans on 116 123."}
_READ_BACK = "I felt left out when you worked late, and I would like a slow evening together"
GROUPS = ["the guide's own sentences", *library_names()]


def _fill(template: str) -> str:
    def value(match: re.Match) -> str:
        parts = match.group(1).split(".")
        for part in reversed(parts):
            if part in _VALUES:
                return _VALUES[part]
        return _READ_BACK

    return re.sub(r"\{([A-Za-z_.]+)\}", value, template)


def _texts(group: str) -> list[str]:
    if group == GROUPS[0]:
        texts = [t for name, v in vars(own).items() if name.isupper()
                 for t in (v if isinstance(v, tuple) else (v,)) if isinstance(t, str)]
    else:
        texts = [text for _, text in checks.spoken_texts(load_script(group, Config()))]
    return list(dict.fromkeys(_fill(t) for t in texts if t.strip()))


def _prompts(group: str) -> list[str]:
    """The group's prompts that no earlier group says word for word (each is played once)."""
    earlier = {t for g in GROUPS[:GROUPS.index(group)] for t in _texts(g)}
    return [t for t in _texts(group) if t not in earlier]


@pytest.mark.slow
@pytest.mark.parametrize("group", GROUPS)
def test_no_prompt_of_the_library_pauses_or_commands_the_guide_at_echo_1(sphinx, group):
    """Every prompt, filled in with names, times and read-backs, played at echo 1.0 (30 ms late,
    250 ms of reverberation, slightly clipped) through the real listener with nobody speaking."""
    config = Config()
    listener = build_listener(config, sphinx)
    assert listener.echo is not None, "the echo canceller did not start"
    voice, path, t, heard = Voice(config.voice), EchoPath(Echo(gain=1.0)), 0.0, []
    texts = _prompts(group)
    assert texts
    for text in texts:
        pcm = voice.render(text)
        events = guide_heard(listener, pcm, path, t)
        heard += [(e.name, e.source, text) for e in events if isinstance(e, Spotted)]
        t = listener.now
    assert heard == []


def _room(pcm: np.ndarray, echo: Echo) -> np.ndarray:
    path = EchoPath(echo)
    n = -(-pcm.size // FRAME_SAMPLES) * FRAME_SAMPLES
    played = np.zeros(n, np.float32)
    played[: pcm.size] = pcm
    return np.concatenate([path.hear(played[i:i + FRAME_SAMPLES]) for i in range(0, n, FRAME_SAMPLES)])


def test_the_rooms_echo_arrives_late_reverberates_and_is_slightly_clipped():
    click = np.zeros(SAMPLE_RATE, np.float32)
    click[0] = 10000.0
    heard = _room(click, Echo(gain=0.5, delay_ms=40, reverb_ms=300))
    first = int(np.flatnonzero(np.abs(heard) > 1.0)[0])
    assert first == int(0.040 * SAMPLE_RATE)
    assert heard[first] == pytest.approx(0.5 * 10000, rel=0.01)  # below the speaker's knee: as played
    tail = np.abs(heard[first + 1:])
    early, late = tail[:800].mean(), tail[4000:4800].mean()  # 0-50 ms and 250-300 ms after
    assert early > 10 * late > 0
    loud = np.full(4800, 32000.0, np.float32)
    flattened = _room(loud, Echo(gain=1.0, delay_ms=0, reverb_ms=0))
    assert 18000 < flattened.max() < 24000
    assert Scenario(echo=0.5).echo == Echo(gain=0.5, delay_ms=30, reverb_ms=250)


def test_a_scenarios_echo_takes_a_number_or_the_full_form_and_says_where_it_is_wrong(tmp_path):
    from voice_attune.session.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text("echo: {gain: 1.2, delay_ms: 80, reverb_ms: 400}\n")
    assert load_scenario(path).echo == Echo(1.2, 80, 400)
    path.write_text("echo: 0.7\n")
    assert load_scenario(path).echo == Echo(0.7, 30, 250)
    path.write_text("voice: en-us\necho: {gain: 1.0, delay_ms: 5000}\n")
    with pytest.raises(UserError) as err:
        load_scenario(path)
    assert "delay_ms is 5000" in str(err.value) and ":2" in str(err.value)


def test_the_cancellers_take_the_guide_out_and_the_linear_one_leaves_a_partner_whole():
    texts = ["Jamie, the floor is yours again, with about a minute left. Take your time.",
             "Robin, what do you know about the two of you, and what you both want?",
             "If you like, sit back, let your shoulders drop, and rest your eyes.",
             "Thank you both. Your limits are yours, and you can look at them again together."]
    voice = "piper" if piper_available() else "en-us"
    guide = np.concatenate([np.concatenate([synthesize(t, voice, 160), np.zeros(8000, np.int16)]) for t in texts])
    partner = trim(synthesize("pineapple", "en-gb-scotland", 150)).astype(np.float32)
    partner *= 3000 / np.sqrt(np.mean(partner[np.abs(partner) > 200] ** 2))
    echo = _room(np.concatenate([guide, np.zeros(SAMPLE_RATE, np.int16)]).astype(np.float32), Echo(gain=1.0))
    at = guide.size - 3 * SAMPLE_RATE  # late, when both have learned the room
    near = np.zeros_like(echo)
    near[at:at + partner.size] = partner

    def cancelled(mic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        canceller = echo_canceller(True, pytest.fail)
        assert canceller.parts == ["speex", "webrtc"]
        canceller.play(guide, 0.0)
        n = mic.size // FRAME_SAMPLES * FRAME_SAMPLES
        frames = [canceller.process(Frame(np.clip(mic[i:i + FRAME_SAMPLES], -32768, 32767).astype(np.int16).tobytes(),
                                          i / SAMPLE_RATE)) for i in range(0, n, FRAME_SAMPLES)]
        return tuple(np.concatenate([np.frombuffer(f[k].pcm, np.int16) for f in frames]).astype(float) for k in (0, 1))

    (linear, suppressed), (linear_both, _) = cancelled(echo), cancelled(echo + near)
    learned = slice(12 * SAMPLE_RATE, at - SAMPLE_RATE)
    for out, least in ((linear, 15), (suppressed, 30)):
        erle = 10 * np.log10(np.sum(echo[learned] ** 2) / np.sum(out[learned] ** 2))
        assert erle >= least
    said = slice(at, at + partner.size)
    kept = 10 * np.log10(np.sum((linear_both[said] - linear[said]) ** 2) / np.sum(partner ** 2))
    assert kept >= -3  # the partner's word is all there for the keyword models


def test_the_cancellers_rest_while_nothing_is_played_and_go_on_where_they_were():
    # A partner's long turn between two prompts: the cancellers hear none of it (the
    # microphone goes on as it is) and take the next prompt out as if they had.
    texts = ["Jamie, the floor is yours again, with about a minute left. Take your time.",
             "Robin, what do you know about the two of you, and what you both want?",
             "If you like, sit back, let your shoulders drop, and rest your eyes."]
    guide = np.concatenate([np.concatenate([synthesize(t, "en-us", 160), np.zeros(8000, np.int16)]) for t in texts])
    later = synthesize("Thank you both. Your limits are yours, and you can look at them again together.", "en-us", 160)
    talk = synthesize("I have been thinking about the weekend and what we could do together", "en-gb", 150)
    gap = 6 * SAMPLE_RATE
    played = np.zeros(guide.size + gap + later.size + SAMPLE_RATE, np.float32)
    played[:guide.size], played[guide.size + gap:guide.size + gap + later.size] = guide, later
    echo = _room(played, Echo(gain=1.0))
    mic = echo.copy()
    mic[guide.size + SAMPLE_RATE:guide.size + SAMPLE_RATE + talk.size] += talk
    canceller = echo_canceller(True, pytest.fail)
    calls = []
    for part in (canceller._linear, canceller._suppressing):
        work = part.cancel
        part.cancel = lambda m, r, work=work: (calls.append(1), work(m, r))[1]
    canceller.play(guide, 0.0)
    outs, heard_in_gap = [], 0
    for i in range(0, mic.size - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        if i == guide.size + gap - guide.size % FRAME_SAMPLES:
            canceller.play(later, (guide.size + gap) / SAMPLE_RATE)
        before = len(calls)
        frame = Frame(np.clip(mic[i:i + FRAME_SAMPLES], -32768, 32767).astype(np.int16).tobytes(), i / SAMPLE_RATE)
        kept, rest = canceller.process(frame)
        if guide.size + SAMPLE_RATE <= i < guide.size + gap - SAMPLE_RATE:
            heard_in_gap += len(calls) - before
            assert kept is frame and rest is frame
        outs.append((np.frombuffer(kept.pcm, np.int16), np.frombuffer(rest.pcm, np.int16)))
    assert heard_in_gap == 0
    linear, suppressed = (np.concatenate([o[k] for o in outs]).astype(float) for k in (0, 1))
    start = guide.size + gap
    first = slice(start, start + 2 * SAMPLE_RATE)  # the next prompt's first two seconds: no time to learn again
    for out, least in ((linear, 15), (suppressed, 30)):
        assert 10 * np.log10(np.sum(echo[first] ** 2) / np.sum(out[first] ** 2)) >= least


def test_with_one_canceller_missing_the_other_serves_all(monkeypatch):
    monkeypatch.setitem(sys.modules, "livekit", None)
    canceller = echo_canceller(True, pytest.fail)
    assert canceller.parts == ["speex"]
    frame = Frame(np.zeros(FRAME_SAMPLES, np.int16).tobytes(), 0.0)
    kept, rest = canceller.process(frame)
    assert kept is rest
    assert canceller_missing() and "livekit" in canceller_missing()[0]


def test_a_canceller_that_cannot_start_says_so_once_and_listening_goes_on(sphinx, monkeypatch):
    monkeypatch.setitem(sys.modules, "livekit", None)
    monkeypatch.setattr("voice_attune.asr.echo._library", lambda: (_ for _ in ()).throw(OSError("not here")))
    notices: list[str] = []
    listener = build_listener(Config(), sphinx, notice=notices.append)
    assert listener.echo is None
    said = [n for n in notices if "echo cancellation is off" in n]
    assert len(said) == 1 and "\n" not in said[0]
    pcm = synthesize("pineapple", "en-us", 160)
    events = guide_heard(listener, np.zeros(SAMPLE_RATE, np.int16), EchoPath(Echo(gain=0.0)), 0.0,
                         partner=pcm, partner_at=0.2)
    assert any(isinstance(e, Spotted) and e.name == "pause" for e in events)


def test_devices_says_whether_the_guides_voice_is_taken_out(monkeypatch):
    import dataclasses

    from voice_attune.commands.devices import echo_line

    assert echo_line(Config()).startswith("Echo cancellation: on (")
    off = dataclasses.replace(Config(), audio=dataclasses.replace(Config().audio, echo_cancel=False))
    assert "off (audio.echo_cancel: false)" in echo_line(off)
    monkeypatch.setitem(sys.modules, "livekit", None)
    assert echo_line(Config()).startswith("Echo cancellation: on, in part (livekit")
    monkeypatch.setattr("voice_attune.asr.echo._library", lambda: (_ for _ in ()).throw(OSError("not here")))
    assert echo_line(Config()).startswith("Echo cancellation: unavailable (libspeexdsp: not here")


def test_before_the_guide_first_speaks_the_microphone_is_heard_as_it_is_and_all_of_it_is_someone():
    # The linear canceller filters the lowest tones even with nothing played: in a stream's
    # first 0.8 s that was once taken for the guide's echo it had removed.
    canceller = echo_canceller(True, lambda message: None)
    from voice_attune.keywords import augment

    brown = augment.to_int16(augment.noise("brown", SAMPLE_RATE, np.random.default_rng(3)) * 3000)
    for k in range(0, brown.size - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        frame = Frame(brown[k:k + FRAME_SAMPLES].tobytes(), k / SAMPLE_RATE)
        assert canceller.process(frame) == (frame, frame)
    assert canceller.someone_else(0.0, 1.0)


def test_the_pause_word_that_opens_a_stream_in_brown_noise_is_heard(sphinx):
    from voice_attune.asr.frames import frames_from_array
    from voice_attune.keywords import augment

    speech = trim(synthesize("pineapple", "en-gb-scotland", 150)).astype(np.float32)
    pcm = np.concatenate([speech, np.zeros(SAMPLE_RATE * 3 // 2, np.float32)])
    noisy = augment.to_int16(augment.mix(pcm, augment.noise("brown", pcm.size, np.random.default_rng(7)), 10))
    spots = [e for e in build_listener(Config(), sphinx).run(frames_from_array(noisy))
             if isinstance(e, Spotted) and e.kind == "pause"]
    assert len(spots) == 1 and spots[0].source == "keyword"
    assert spots[0].t <= speech.size / SAMPLE_RATE + 0.35
