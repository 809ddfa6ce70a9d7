"""Questions: yes/no and small-set answers, spoken menus, and "are you comfortable continuing?".

Every question is asked, then listened for; silence brings the question once more, then quiet
waiting; a question left unanswered long enough ends the session by itself.
"""

from __future__ import annotations

from voice_attune.dialog import prompts
from voice_attune.dialog.answers import (
    AGAIN_WORDS,
    ELSE_WORDS,
    NO_WORDS,
    YES_WORDS,
    best_match,
    menu_text,
    own_words,
    yes_no,
    yes_no_heard_alone,
)
from voice_attune.dialog.basics import finish, say, step_name, text_of
from voice_attune.dialog.host import Gen, Host
from voice_attune.dialog.inputs import Fired, Heard, Resume
from voice_attune.events import Answer, Choice
from voice_attune.script.steps import NEXT, Ask, CheckIn, Choose, roles

SKIPPED = object()
"""What a question returns when the partner said "skip"."""


def who_answers(who: str, loop_speaker: str | None) -> str | None:
    """The partner letter expected to answer, or None for either."""
    if who == "anyone":
        return None
    pair = roles(who, loop_speaker)
    return None if pair is None else pair[0]


def ask_reply(e: Host, who: str | None, prompt: str, phrases: tuple[str, ...] = (),
              options: str = "yes or no") -> Gen:
    """Ask, then wait for an utterance (returned as ``Heard``), or SKIPPED on "skip".

    "repeat" and "help" are answered here; silence re-asks once, then waits quietly until
    the session's give-up time, when the session ends by itself.
    """
    yield from say(e, prompt)
    e.listen(who, phrases)
    asked = e.now
    e.set_timer("reprompt", e.now + e.settings.reprompt_seconds)
    e.set_timer("give_up", asked + e.settings.give_up_seconds)
    while True:
        inp = yield
        again = None
        if isinstance(inp, Heard):
            if phrases and inp.match({p: (p,) for p in phrases}) is not None:
                _done(e)
                return inp  # an answer that holds a command word ("practical help")
            if "next" in inp.commands:
                _done(e)
                return SKIPPED
            if "repeat" in inp.commands or ("help" not in inp.commands and _is_again(inp.text, options)):
                again = prompt
            elif "help" in inp.commands:
                again = text_of(e, prompts.QUESTION_HELP, who, options=options)
            else:
                _done(e)
                return inp
        elif isinstance(inp, Fired) and inp.name == "reprompt":
            again = prompt
        elif isinstance(inp, Fired) and inp.name == "give_up":
            _done(e)
            yield from finish(e, "unanswered", prompts.UNANSWERED)
        elif isinstance(inp, Resume):
            again = prompt
            e.set_timer("reprompt", e.now + e.settings.reprompt_seconds)
        if again is not None:
            yield from say(e, again, remember=False)
            e.listen(who, phrases)


def yes_no_question(e: Host, who: str | None, prompt: str, unclear: str | None = None) -> Gen:
    """"yes", "no", or None when skipped; still unclear after asking twice: ``unclear``."""
    for attempt in range(2):
        heard = yield from ask_reply(e, who, prompt, YES_WORDS + NO_WORDS)
        if heard is SKIPPED:
            return None
        answer = _yes_or_no(heard)
        if answer is not None:
            return answer
        prompt = text_of(e, prompts.NOT_CAUGHT, who, options="yes, or no")
    return unclear


def ask(e: Host, step: Ask, loop_speaker: str | None) -> Gen:
    """An ask step: match the answer to one of its words and go where it leads."""
    who = who_answers(step.who, loop_speaker)
    words = [w for w in step.answers if w != "other"]
    choices = {w: _synonyms(w) for w in words}
    prompt = text_of(e, step.prompt, loop_speaker)
    spoken = menu_text(words)
    for attempt in range(2):
        expected = tuple(p for w in words for p in choices[w])
        heard = yield from ask_reply(e, who, prompt, expected, spoken)
        if heard is SKIPPED:
            return NEXT
        if set(words) <= {"yes", "no"}:  # a yes/no question, read as yes_no_question reads one
            answer = _yes_or_no(heard)
            answer = answer if answer in words else None
        else:
            answer = heard.match(choices) or _by_command(heard.commands, words)
        if answer is None and "other" in step.answers:
            answer = "other"
        if answer is not None:
            _remember(e, step.id or step_name(step), answer, who or loop_speaker, chosen=False)
            e.emit(Answer(e.now, step.id or step_name(step), answer))
            return step.answers[answer]
        prompt = text_of(e, prompts.NOT_CAUGHT, who, options=spoken)
    yield from say(e, prompts.LEAVE_IT, remember=False)
    return NEXT


def check_in(e: Host, step: CheckIn, loop_speaker: str | None) -> Gen:
    """"Are you comfortable continuing?": "no" starts the pause protocol."""
    answer = yield from yes_no_question(e, None, text_of(e, step.prompt, loop_speaker))
    if answer == "no":
        e.begin_pause("check_in")
        while True:
            inp = yield
            if isinstance(inp, Resume):
                break
    return None


def choose(e: Host, step: Choose, loop_speaker: str | None) -> Gen:
    """Offer a menu, take the choice, confirm it, remember it as {id}."""
    who = who_answers(step.who, loop_speaker) or loop_speaker
    for attempt in range(3):
        value = None
        if step.groups:
            names = tuple(g.name for g in step.groups)
            every = tuple(o for g in step.groups for o in g.options if o not in names)
            group = yield from pick(e, step, who, text_of(e, step.prompt, who, options=menu_text(names)), names,
                                    also=every)
            if group is SKIPPED:
                return None
            if group is not None and group[0] not in names:
                value = group  # a word of any group, or their own words, said at the first question
            elif group is not None:
                name = group[0]
                options = next(g.options for g in step.groups if g.name == name)
                value = yield from pick(e, step, who, f"{name.capitalize()}: is it {menu_text(options)}?",
                                        options, heard_group=name)
        else:
            value = yield from pick(e, step, who, text_of(e, step.prompt, who, options=menu_text(step.options)),
                                    step.options)
        if value is SKIPPED:
            return None
        if value is None:
            yield from say(e, prompts.LEAVE_IT, remember=False)
            return None
        value, heard = value
        key = step.id or step_name(step)
        confirm = text_of(e, step.confirm, who, **{key: value})
        answer = yield from yes_no_question(e, who, confirm)
        if answer != "no":
            _remember(e, key, value, who)
            if value in step.needs:
                e.needs.setdefault(key, {})[who or "_"] = step.needs[value]
                e.needs[key]["_"] = step.needs[value]
            e.emit(Choice(e.now, key, value, heard))
            return None
    yield from say(e, prompts.LEAVE_IT, remember=False)
    return None


def pick(e: Host, step: Choose, who: str | None, prompt: str, options: tuple[str, ...],
         heard_group: str | None = None, also: tuple[str, ...] = ()) -> Gen:
    """One option (with the words it was heard in), SKIPPED, or None after three misses. ``also``
    are answers taken though not offered here (a feeling said at the question of its group)."""
    choices = {o: (o,) for o in (*options, *also)}
    choices["\0again"] = AGAIN_WORDS
    if step.own_words:
        choices["\0else"] = ELSE_WORDS
    spoken = menu_text(list(options) + (["something else"] if step.own_words else []))
    expected = tuple(p for phrases in choices.values() for p in phrases)
    for attempt in range(3):
        heard = yield from ask_reply(e, who, prompt, expected, spoken)
        if heard is SKIPPED:
            return SKIPPED
        found = heard.match(choices)
        if found == "\0else":
            own = yield from ask_reply(e, who, prompts.OWN_WORDS, (), "anything you like")
            if own is SKIPPED:
                return SKIPPED
            offered = step.options or tuple(o for g in step.groups for o in g.options)
            on_menu = best_match(own.text, {o: (o,) for o in offered})  # "I feel hopeful" after all
            return (on_menu or own_words(own.text)), own.text
        if found is not None and found != "\0again":
            return found, heard.text or heard.answer
        if found is None:
            prompt = text_of(e, prompts.NOT_CAUGHT, who, options=spoken)
    return None


def _remember(e: Host, key: str, value: str, who: str | None, chosen: bool = True) -> None:
    e.values.setdefault(key, {})[who or "_"] = value
    e.values[key]["_"] = value
    if chosen:  # the summary names what was chosen from menus, not every yes and no
        e.tally.choices.setdefault(key, {})[who or "both"] = value


def _yes_or_no(heard: Heard) -> str | None:
    """"yes", "no" or None: the recognizer's words opening with an answer or mostly one (with
    the commands heard in them); else what the expected-answer recognizer or a keyword model
    heard, if it heard one answer alone or the utterance was short (answers.yes_no_heard_alone:
    a partner asking something back is no answer)."""
    answer = yes_no(heard.text, heard.commands)
    if answer is None and heard.answer:
        answer = yes_no_heard_alone(heard.answer, heard.text)
    return answer


def _synonyms(word: str) -> tuple[str, ...]:
    if word == "yes":
        return YES_WORDS
    if word == "no":
        return NO_WORDS
    return (word,)


def _by_command(commands: tuple[str, ...], words: list[str]) -> str | None:
    for name in ("yes", "no"):
        if name in commands and name in words:
            return name
    return None


def _is_again(text: str, options: str) -> bool:
    return best_match(text, {"again": AGAIN_WORDS}) is not None and "again" not in options


def _done(e: Host) -> None:
    e.cancel_timer("reprompt")
    e.cancel_timer("give_up")
