"""Care settings (config key ``care``): the phrases that suggest danger, and the crisis line.

voice-attune is not a crisis service. When a partner's words suggest self-harm or danger, the
guide pauses gently, says that this sounds important, gives a crisis line, and offers to end or
to go on. It never diagnoses and never argues. The list errs towards caution: a needless
pause costs a breath, a missed one could cost much more. The words themselves are never
logged or stored (``dialog/care.py`` and the listener see to that).

Crisis lines (config key ``care.crisis_line`` overrides; none of them is said with a word of
the list, or the guide's own voice could start the care pause):
US and Canada 988; UK and Ireland Samaritans 116 123; Australia Lifeline 13 11 14;
New Zealand 1737; Germany TelefonSeelsorge 0800 111 0 111; France 3114; Netherlands 113.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from voice_attune.text import normalize

DEFAULT_WORDS: tuple[str, ...] = (
    # thoughts of ending one's life
    "suicide", "suicidal", "kill myself", "killing myself", "end my life", "ending my life",
    "take my own life", "take my life", "end it all", "want to die", "wanna die",
    "wish i was dead", "wish i were dead", "better off dead", "better off without me",
    "no reason to live", "nothing to live for", "don't want to live", "don't want to be alive",
    "don't want to be here anymore", "don't want to wake up", "can't go on anymore",
    "can't go on like this", "can't go on living", "cannot go on", "can not go on", "overdose",
    "taking my own life", "taking my life", "ending it all", "fear for my life",
    # harming oneself
    "hurt myself", "hurting myself", "harm myself", "harming myself", "self harm",
    "cut myself", "cutting myself",
    # how PocketSphinx often hears some of them (scripts/bench_care.py); rare in ordinary talk
    "kill my sale", "kill my sales", "cut my sale", "cutting my sales", "nothing to leave for",
    # danger from someone ("you hurt me" is left out: hurt feelings are what a check-in is for)
    "hit me", "hits me", "hitting me", "pushed me", "shoved me", "choked me", "strangled me",
    "slapped me", "punched me", "kill you",
    "kill him", "kill her", "threatened me", "threatens me", "not safe",
    "don't feel safe", "do not feel safe", "afraid for my life",
    "scared for my life", "afraid of you", "afraid of him", "afraid of her", "scared of you",
    "scared of him", "scared of her", "abuse", "abused", "abusing",
    # said indirectly, as people more often do ("..." is a gap of a few words); measured on a set
    # of statements written apart from this list (tests/data/care, scripts/bench_care.py --set)
    "point ... waking up", "not wake up", "never wake up", "not to wake up", "such a burden",
    "burden on you", "burden to you", "burden on everyone", "burden to everyone", "a burden on",
    "giving ... things away", "give ... things away", "gave ... away ... won't be needing",
    "won't need them anymore", "won't be needing", "in case i'm not here", "if i'm not here",
    "if i wasn't here", "if i was not here", "if i was gone", "if i were gone", "if i weren't here",
    "better without me", "without me around", "just disappear",
    "disappear and never", "goodbye ... last time", "no reason ... keep going", "no point ... living",
    "no point going on", "reason to go on", "off the bridge", "off a bridge", "jump off",
    "in front of a train", "in front of a bus", "in front of a car", "be around much longer",
    "punish myself", "starving myself", "skipping meals on purpose", "on purpose to hurt",
    "more of my pills", "too many pills", "handful of pills", "took ... pills", "saving up ... pills",
    "saving up ... tablets", "burned my arm", "burning myself", "until it bleeds", "until i bleed",
    "bang my head", "banging my head", "hit my head against", "by the throat",
    "he'd kill me", "she'd kill me", "what he'll do", "what she'll do",
    "what he might do", "what she might do", "won't let me see my", "won't let me leave",
    "won't let me go out", "checks my phone", "keeps my bank card", "takes my money",
    "beg for money", "threw ... at me", "thrown ... at me", "he'll hurt me", "she'll hurt me",
    "going to hurt me", "hurt me again", "hurt me badly", "hurting me when",
    "if i leave he'll", "if i leave she'll", "if i leave him", "if i leave her", "door locked because",
    "what might happen", "afraid to go home", "scared to go home", "nowhere safe",
    "get out fast", "packed a bag", "walk on eggshells",
    "do better without me", "be better without me", "be okay without me", "be fine without me",
    "how i'd do it", "decided to die", "decide to die", "tired of living", "sick of living",
    "tired of being alive", "swerving into", "swerve into", "crash the car on purpose",
    "only holding on for", "holding on for the kids", "done existing", "want it all to stop",
    "make it all stop", "my own funeral", "dragging everyone down", "a weight on you",
    "weight on everyone", "life insurance so", "hope i won't wake up", "my goodbyes",
    "if i vanished", "notice if i was gone", "notice if i disappeared", "thinking about jumping",
    "cutting my arms", "cutting my wrists", "cut my wrists", "cutting my legs", "razor on my",
    "deserve to eat", "until my knuckles", "knuckles bleed", "make myself throw up",
    "making myself throw up", "make myself sick", "terrified of him", "terrified of her",
    "takes my phone", "tracks everywhere i go", "kicked me", "kicks me", "forces me to do things",
    "forced me to do things", "can't go back inside", "hide in the bathroom", "shouting starts",
    "letting himself in", "letting herself in", "doesn't feel safe", "don't feel safe there",
    "not safe there", "scared every time he", "scared every time she", "scared when he comes home",
)
"""Phrases that pause the session gently (config ``care.words`` replaces the list)."""

@dataclass(frozen=True)
class Line:
    """A crisis line, as the guide says it."""

    country: str
    text: str


LINES: dict[str, Line] = {
    "US": Line("the United States", "you can call or text 988, the crisis lifeline, at any time. "
               "If someone is in immediate danger, call 911."),
    "CA": Line("Canada", "you can call or text 988, the crisis helpline, at any time. "
               "If someone is in immediate danger, call 911."),
    "GB": Line("the United Kingdom", "you can call the Samaritans, free, at any time, on 116 123. "
               "If someone is in immediate danger, call 999."),
    "IE": Line("Ireland", "you can call the Samaritans, free, at any time, on 116 123. "
               "If someone is in immediate danger, call 112 or 999."),
    "AU": Line("Australia", "you can call Lifeline at any time on 13 11 14. "
               "If someone is in immediate danger, call triple zero, 000."),
    "NZ": Line("New Zealand", "you can call or text 1737 at any time, free. "
               "If someone is in immediate danger, call 111."),
    "DE": Line("Germany", "you can call the TelefonSeelsorge, free, at any time, on 0800 111 0 111. "
               "If someone is in immediate danger, call 112."),
    "FR": Line("France", "you can call 3114, free, at any time. "
               "If someone is in immediate danger, call 112."),
    "NL": Line("the Netherlands", "you can call 113, or 0800 0113 for free, at any time. "
               "If someone is in immediate danger, call 112."),
}
ALIASES = {"UK": "GB"}
UNKNOWN = Line("", "please call your local emergency number, or a crisis line where you live.")
"""What is said when no country is set and the system's locale names none we know."""


@dataclass(frozen=True)
class CareSettings:
    """Config key ``care``: the words that pause gently, and which crisis line to give."""

    country: str = "auto"
    """A two-letter country code (US, CA, GB or UK, IE, AU, NZ, DE, FR, NL); auto: from the
    system's locale (LANG), else a general sentence."""
    crisis_line: str | None = None
    """Your own words for a line, said after "If you need support right now," (overrides country)."""
    words: tuple[str, ...] = field(default_factory=lambda: DEFAULT_WORDS)
    """Phrases that suggest danger; replacing the list replaces all of it."""
    meaning: str = "auto"
    """Also hear danger by what is meant (asr/caremeaning.py): auto (when the sentence encoder
    is installed), on (required), off (the phrases only)."""

    def __post_init__(self) -> None:
        if self.meaning not in ("auto", "on", "off"):
            raise ValueError(f"meaning is '{self.meaning}'; choose auto, on or off")
        code = self.country.strip().upper()
        code = ALIASES.get(code, code)
        if code != "AUTO" and code not in LINES:
            known = ", ".join(sorted([*LINES, *ALIASES]))
            raise ValueError(f"country is '{self.country}'; known: {known}, or auto. "
                             "For another country set crisis_line to the words to say")
        object.__setattr__(self, "country", code.lower() if code == "AUTO" else code)
        if self.crisis_line is not None and not self.crisis_line.strip():
            raise ValueError("crisis_line is empty; leave it out to use the country's line")
        # "..." in a phrase is a gap of a few words (asr/carewords.py), kept through normalizing.
        words = tuple(normalize(w.replace("...", " __ ")) for w in self.words if normalize(w))
        if not words:
            raise ValueError("words needs at least one phrase; leave it out to keep the defaults")
        object.__setattr__(self, "words", words)

    def line(self, environ: Mapping[str, str] | None = None) -> str:
        """The sentence that gives the crisis line."""
        if self.crisis_line:
            return f"If you need support right now, {self.crisis_line.strip().rstrip('.')}."
        code = self.country if self.country != "auto" else country_from_locale(environ)
        line = LINES.get(code or "", UNKNOWN)
        where = f"In {line.country}, " if line.country else "If you need support right now, "
        return where + line.text


def country_from_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The country of the system's locale ("en_GB.UTF-8" -> "GB"), if it names one."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if "_" in value:
            code = value.split("_", 1)[1][:2].upper()
            code = ALIASES.get(code, code)
            return code if code in LINES else None
    return None
