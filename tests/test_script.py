"""Session scripts: the shipped ones load; every mistake is refused as file:line: what is allowed."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from voice_attune.commands import validate
from voice_attune.config import Config, Partners
from voice_attune.dialog.template import fill, placeholders
from voice_attune.errors import UserError
from voice_attune.script.loader import library_names, load_script, read_script, validate_files
from voice_attune.script.steps import Ask, Choose, ForEachPartner, Say, Settings, Turn, for_energy, roles

HEADER = "title: Test\ndescription: A test script.\nminutes: 3\nsteps:\n"
"""Four lines, so the first step is on line 5."""
ERROR_LINE = re.compile(r"^.+:\d+: \S.*$")


def write(tmp_path: Path, steps: str, header: str = HEADER) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(header + steps, encoding="utf-8")
    return path


def problems(path: Path, config: Config | None = None) -> list[str]:
    return validate_files([path], config or Config())


def test_the_shipped_daily_checkin_loads_and_says_how_to_pause_first():
    script = load_script("daily-checkin", Config())
    assert script.title == "Daily check-in"
    assert script.minutes == (3.0, 6.0)
    assert isinstance(script.steps[0], Say) and "{pause_word}" in script.steps[0].text
    loop = next(s for s in script.steps if isinstance(s, ForEachPartner))
    turns = [s for s in loop.steps if isinstance(s, Turn)]
    assert [t.who for t in turns] == ["speaker", "speaker", "listener"]
    assert script.settings.patience_seconds >= 10


@pytest.mark.parametrize("name", library_names())
def test_every_library_script_is_valid(name):
    assert validate_files([name], Config()) == []


def test_a_script_loads_by_path_as_well_as_by_name(tmp_path):
    path = write(tmp_path, "  - say: Hello {A}.\n")
    assert load_script(str(path), Config()).steps == (Say(text="Hello {A}.", line=5),)


def test_an_unknown_library_name_lists_the_library():
    with pytest.raises(UserError, match="no script file or library script called 'dialy-checkin'; there are: .*daily-checkin"):
        load_script("dialy-checkin", Config())


@pytest.mark.parametrize(
    "steps, line, fragment",
    [
        ("  - turn: A\n    secs: 30\n", 6,
         "unknown key 'secs' in a turn step; allowed: allow_pause_word, id, low_energy, patience, remember, seconds, time_up_prompt, turn, warning, warning_prompt"),
        ("  - say: Hello\n  - turn: A\n    seconds: soon\n", 7, "'seconds' must be a number of seconds, not 'soon'"),
        ("  - ask: Shall we go on?\n", 5, "this ask step needs: answers"),
        ("  - say: Hello\n    turn: A\n", 6, "this step has two kinds, 'say' and 'turn'; give each its own step"),
        ("  - id: hello\n", 5, "this step has no kind (its keys: id); a step starts with one of: say, turn, mirror"),
        ("  - just words\n", 5, "a step is a mapping like '- say: Hello'"),
        ("  - say: Hi\n    id: start\n  - say: Again\n    id: start\n", 8, "id 'start' is already used on line 6"),
        ("  - say: Hi\n    id: start\n  - goto: strat\n", 7, "there is no step with id 'strat'; ids here: start"),
        ("  - ask: Go on?\n    answers: {yes: next, no: closing}\n", 6, "there is no step with id 'closing'; no step has an id yet; an answer may also lead to next or end"),
        ("  - ask: Go on?\n    answers: {yes: next, no: 'the end'}\n", 6, "an answer leads to a step id, next or end"),
        ("  - say: Hi\n    id: next\n", 6, "id 'next' is a reserved word"),
        ("  - turn: A\n    seconds: 20\n    warning: 20\n", 7, "the warning (20 s before the end) must be shorter than the turn (20 s)"),
        ("  - turn: A\n    seconds: -5\n", 6, "seconds is -5; use 1 to 3600 seconds"),
        ("  - turn: A\n    patience: 2\n", 6, "patience is 2; use 5 to 600 seconds"),
        ("  - mirror: A\n    rounds: 9\n", 6, "rounds is 9; use 1 to 5 rounds"),
        ("  - breathe: 3\n    in: 40\n", 6, "in is 40; use 1 to 15 seconds"),
        ("  - breathe: three\n", 5, "'breathe' must be a whole number, not 'three'"),
        ("  - turn: C\n", 5, "'turn' is 'C'; allowed: speaker, listener, A, B"),
        ("  - turn:\n", 5, "a turn outside for_each_partner has no speaker; set who: A or B"),
        ("  - end: Bye.\n  - say: Hello?\n", 6, "this say step can never be reached: the end on line 5 never goes on to it"),
        ("  - say: Hi\n    id: top\n  - goto: top\n", 7, "leads back to line 5 and round again forever without waiting for anyone"),
        ("  - choose: How do you feel? {options}\n    who: A\n    options: [calm, tense]\n", 5, "a choose step needs an id"),
        ("  - choose: Pick one.\n    id: c\n    who: A\n    options: [a, b, c, d, e, f, g, h]\n", 8, "'options' has 8 options; at most 7"),
        ("  - choose: Pick one.\n    id: c\n    who: A\n    options: [calm, tense]\n    needs: {calm: rest, sad: a hug}\n", 9,
         "needs names 'sad', which is not an option; options: calm, tense"),
        ("  - for_each_partner:\n      - for_each_partner:\n          - say: Hi\n", 6, "cannot be inside another for_each_partner"),
        ("  - say: Hi\n    low_energy: {skip: true, text: x}\n", 6, "low_energy: 'skip' goes alone"),
        ("  - turn: A\n    low_energy: {secs: 3}\n", 6, "unknown key 'secs' in low_energy of a turn step (also allowed: skip, instead)"),
        ("  - say: Hi\n    allow_pause_word: yes\n", 6, "'allow_pause_word' must be true or false, not 'yes'"),
        ("  - say: [Hi, there]\n", 5, "'say' must be a single value, not a list or mapping"),
        ("  - say: Hi\n   - say: bad indent\n", 6, "YAML syntax"),
        ("  - say: Hi {A\n", 5, "say: a lone { or }"),
    ],
)
def test_a_broken_step_is_refused_at_its_line_saying_what_is_allowed(tmp_path, steps, line, fragment):
    path = write(tmp_path, steps)
    found = problems(path)
    assert any(f"{path}:{line}: " in p and fragment in p for p in found), found
    assert all(ERROR_LINE.match(p) for p in found)
    with pytest.raises(UserError) as caught:
        load_script(path, Config())
    assert str(caught.value).startswith(f"{path}:")


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("title: T\ndescription: d\nminutes: 3\nstep:\n  - say: Hi\n", 4,
         "unknown key 'step' here; allowed: description, minutes, settings, steps, title"),
        ("title: T\ndescription: d\nsteps:\n  - say: Hi\n", 1, "the script needs: minutes"),
        ("title: T\ndescription: d\nminutes: 3\nsteps: []\n", 4, "'steps' is empty; it needs at least one step"),
        ("title: T\ndescription: d\nminutes: soon\nsteps:\n  - say: Hi\n", 3, "'minutes' must be a number or a range like 3-6"),
        ("title: T\ndescription: d\nminutes: 6-3\nsteps:\n  - say: Hi\n", 3, "lowest first"),
        ("title: T\ndescription: |\n  one\n  two\nminutes: 3\nsteps:\n  - say: Hi\n", 2, "description must be one line"),
        ("title: T\ndescription: d\nminutes: 3\nsettings:\n  turn_secs: 30\nsteps:\n  - say: Hi\n", 5,
         "unknown key 'turn_secs' in settings; allowed: clarify_seconds, give_up_seconds, low_energy"),
        ("title: T\ndescription: d\nminutes: 3\nsettings:\n  patience_seconds: 2\nsteps:\n  - say: Hi\n", 5,
         "patience_seconds is 2; use 5 to 600"),
        ("title: T\ndescription: d\nminutes: 3\nsettings:\n  turn_seconds: 15\nsteps:\n  - say: Hi\n", 5,
         "warning_seconds (20) must be shorter than turn_seconds (15)"),
        ("title: T\ndescription: d\nminutes: 3\nsettings:\n  low_energy:\n    turn_seconds: 0\nsteps:\n  - say: Hi\n", 6,
         "in a low-energy session, turn_seconds is 0"),
        ("", 1, "the file is empty"),
        ("- say: Hi\n", 1, "a script is a mapping with title, description, minutes and steps"),
    ],
)
def test_a_broken_script_is_refused_at_its_line(tmp_path, text, line, fragment):
    path = write(tmp_path, text, header="")
    found = problems(path)
    assert any(f"{path}:{line}: " in p and fragment in p for p in found), found


def test_all_mistakes_are_listed_one_per_line_in_file_order(tmp_path):
    path = write(tmp_path, "  - turn: A\n    secs: 3\n  - say: Hi\n    colour: blue\n")
    found = problems(path)
    assert [p.split(":")[1] for p in found] == ["6", "8"]


def test_yes_and_no_answers_stay_words(tmp_path):
    path = write(tmp_path, "  - ask: Shall we go on?\n    id: go\n    answers:\n      yes: next\n      no: end\n"
                           "      on: next\n      off: end\n")
    step = load_script(path, Config()).steps[0]
    assert isinstance(step, Ask)
    assert step.answers == {"yes": "next", "no": "end", "on": "next", "off": "end"}
    assert all(type(word) is str for word in step.answers)


def test_options_named_yes_and_no_stay_words(tmp_path):
    path = write(tmp_path, "  - choose: Pick one.\n    id: pick\n    who: A\n    options: [yes, no, maybe]\n")
    step = load_script(path, Config()).steps[0]
    assert isinstance(step, Choose) and step.options == ("yes", "no", "maybe")


def test_grouped_options_keep_the_menu_short_and_pair_needs(tmp_path):
    path = write(tmp_path, (
        "  - choose: \"{A}, which is closest? {options}\"\n    id: feeling\n    who: A\n"
        "    options:\n      heavy: [drained, overwhelmed]\n      light: [hopeful, calm]\n"
        "    needs: {drained: quiet company, overwhelmed: space to think, hopeful: a hug, calm: practical help}\n"
        "  - say: \"{A} feels {feeling} and would like {feeling.need}.\"\n"
    ))
    step = load_script(path, Config()).steps[0]
    assert [g.name for g in step.groups] == ["heavy", "light"]
    assert step.options == ("drained", "overwhelmed", "hopeful", "calm")
    assert step.confirm == "You chose {feeling}. Is that right?"


@pytest.mark.parametrize(
    "steps, fragment",
    [
        ("  - say: \"Hello {partner}.\"\n", "unknown placeholder {partner}; known here: A, B, pause_word"),
        ("  - say: \"You feel {feeling}.\"\n  - choose: Pick.\n    id: feeling\n    who: A\n    options: [a, b]\n",
         "{feeling} is chosen only later, on line 6"),
        ("  - say: Hi\n    id: hello\n  - say: \"{hello}\"\n", "{hello} names a say step, which remembers nothing"),
        ("  - say: \"{options}\"\n", "{options} can only be used in the prompt of a choose or ask step"),
        ("  - say: \"{remaining}\"\n", "{remaining} can only be used in the prompts of a turn"),
        ("  - say: \"{speaker}, hello.\"\n", "{speaker} is only known inside for_each_partner; use {A} or {B}"),
        ("  - choose: Pick.\n    id: c\n    who: A\n    options: [a, b]\n  - say: \"{c.need}\"\n",
         "{c.need}: the choose step 'c' has no needs"),
        ("  - choose: Pick.\n    id: c\n    who: A\n    options: [a, b]\n  - say: \"{c.C}\"\n",
         "after 'c.' may come A or B, then need"),
        ("  - say: \"{A!r}\"\n", "may not have ':' or '!' in it"),
    ],
)
def test_templates_with_unknown_placeholders_are_refused(tmp_path, steps, fragment):
    found = problems(write(tmp_path, steps))
    assert any(fragment in p for p in found), found


def test_templates_may_use_partners_roles_and_earlier_values(tmp_path):
    path = write(tmp_path, (
        "  - say: \"Hello {A} and {B}; say {pause_word} to pause. {{Braces}} are literal.\"\n"
        "  - for_each_partner:\n"
        "      - choose: \"{speaker}, how do you feel? {options}\"\n        id: feeling\n"
        "        options: [tired, calm]\n        confirm_prompt: \"You feel {feeling}?\"\n"
        "      - turn: speaker\n        warning_prompt: \"{speaker}, about {remaining} left.\"\n"
        "      - say: \"{listener}, {speaker} feels {feeling}.\"\n"
        "  - say: \"{A} felt {feeling.A}; {B} felt {feeling.B}.\"\n"
    ))
    assert problems(path) == []


def test_fill_renders_values_and_literal_braces():
    text = "{speaker} feels {feeling.need}; {{not a placeholder}}"
    assert placeholders(text) == ["speaker", "feeling.need"]
    assert fill(text, {"speaker": "Sam", "feeling.need": "quiet company"}) == "Sam feels quiet company; {not a placeholder}"


def test_a_literal_pause_word_in_a_prompt_is_refused(tmp_path):
    path = write(tmp_path, "  - say: If you need to stop, say pineapple.\n")
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:5: say: 'pineapple' would be heard as the pause word 'pineapple'")
    assert "write {pause_word} to name it, or set allow_pause_word: true" in found[0]


def test_a_pause_word_is_refused_even_in_a_default_prompt_or_an_option(tmp_path):
    config = Config(partners=Partners("Sam", "Alex"), pause_words=("thank you",))
    found = problems(write(tmp_path, "  - turn: A\n  - choose: Pick.\n    id: c\n    who: A\n    options: [thank you, sorry]\n"), config)
    assert any(":5: time_up_prompt: 'thank you' would be heard as the pause word" in p for p in found), found
    assert any(":9: options: 'thank you'" in p for p in found), found


def test_the_pause_word_placeholder_or_an_explicit_allowance_is_fine(tmp_path):
    path = write(tmp_path, (
        "  - say: \"To pause, say {pause_word}.\"\n"
        "  - say: \"Let's practise: say pineapple now.\"\n    allow_pause_word: true\n"
    ))
    assert problems(path) == []


def test_the_pause_word_comes_from_the_config(tmp_path):
    path = write(tmp_path, "  - say: A red balloon floats by, like a pineapple.\n")
    found = problems(path, Config(pause_words=("red balloon",)))
    assert len(found) == 1 and "'red balloon'" in found[0]


def test_a_step_after_an_unconditional_jump_is_unreachable_unless_something_leads_there(tmp_path):
    unreachable = write(tmp_path, "  - say: Hi\n  - goto: last\n  - say: Skipped forever.\n  - end: Bye.\n    id: last\n")
    assert problems(unreachable) == [
        f"{unreachable}:7: this say step can never be reached: the goto on line 6 never goes on to it, "
        "and no goto or answer leads here (give it an id and lead there, or remove it)"
    ]
    reached = write(tmp_path, (
        "  - ask: Breathe first?\n    answers: {yes: breath, no: talk}\n"
        "  - breathe: 2\n    id: breath\n  - say: Now let's talk.\n    id: talk\n"
    ))
    assert problems(reached) == []


def test_every_answer_sending_elsewhere_makes_the_next_step_unreachable(tmp_path):
    path = write(tmp_path, "  - ask: Go on?\n    answers: {yes: later, no: end}\n  - say: Never.\n  - say: Later.\n    id: later\n")
    assert [p.split(":")[1] for p in problems(path)] == ["7"]


def test_a_jump_into_another_partners_round_is_refused(tmp_path):
    path = write(tmp_path, "  - goto: inner\n  - for_each_partner:\n      - say: Hi\n        id: inner\n")
    found = problems(path)
    assert any(":5: 'inner' is inside the for_each_partner on line 6" in p for p in found), found


def test_low_energy_changes_skips_and_replaces_steps(tmp_path):
    path = write(tmp_path, (
        "  - breathe: 3\n    low_energy: {skip: true}\n"
        "  - turn: A\n    seconds: 90\n    low_energy: {seconds: 45}\n"
        "  - turn: B\n    id: open\n    low_energy:\n      instead:\n"
        "        ask: \"{B}, is today a heavy day?\"\n        answers: {yes: next, no: next}\n"
    ))
    breathe, turn, open_turn = load_script(path, Config()).steps
    assert for_energy(breathe, True) is None and for_energy(breathe, False) is breathe
    assert for_energy(turn, True).seconds == 45 and turn.seconds == 90
    replaced = for_energy(open_turn, True)
    assert isinstance(replaced, Ask) and replaced.id == "open" and replaced.answers["yes"] == "next"


def test_low_energy_settings_merge_over_the_usual_ones(tmp_path):
    header = ("title: T\ndescription: d\nminutes: 3\nsettings:\n  turn_seconds: 60\n"
              "  low_energy: {turn_seconds: 30, voice_speed: 0.9}\nsteps:\n")
    settings = load_script(write(tmp_path, "  - say: Hi\n", header), Config()).settings
    low = settings.for_energy(True)
    assert (low.turn_seconds, low.voice_speed, low.warning_seconds) == (30, 0.9, 20)
    assert settings.for_energy(False) is settings


def test_a_low_energy_setting_that_breaks_a_turn_is_refused(tmp_path):
    header = "title: T\ndescription: d\nminutes: 3\nsettings:\n  low_energy: {turn_seconds: 30}\nsteps:\n"
    found = problems(write(tmp_path, "  - turn: A\n    warning: 25\n  - turn: B\n    warning: 30\n", header))
    assert [p.split(":", 1)[1] for p in found] == [
        "10: in a low-energy session, the warning (30 s before the end) must be shorter than the turn (30 s); "
        "set warning: 0 for none"
    ]


def test_roles_follow_the_round_and_the_step():
    assert roles("speaker", "A") == ("A", "B")
    assert roles("listener", "A") == ("B", "A")
    assert roles("B", None) == ("B", "A")
    assert roles("speaker", None) is None


def test_load_script_reports_the_first_mistake_and_how_many_more(tmp_path):
    path = write(tmp_path, "  - turn: A\n    secs: 3\n  - say: Hi\n    colour: blue\n")
    with pytest.raises(UserError) as caught:
        load_script(path, Config())
    assert str(caught.value).startswith(f"{path}:6: unknown key 'secs'")
    assert "(and 1 more: `voice-attune validate" in str(caught.value)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="voice-attune")
    sub = parser.add_subparsers(dest="command")
    validate.add_parser(sub)
    return parser.parse_args(argv)


def test_validate_prints_ok_for_good_scripts_and_exits_0(capsys):
    assert validate.run(parse(["validate", "daily-checkin"]), Config()) == 0
    out = capsys.readouterr().out
    assert out == "ok: daily-checkin (Daily check-in, 10 steps, about 3-6 minutes)\n"


def test_validate_lists_mistakes_and_exits_2(tmp_path, capsys):
    bad = write(tmp_path, "  - say: Hi\n    colour: blue\n")
    status = validate.run(parse(["validate", "daily-checkin", str(bad), str(tmp_path / "missing.yaml")]), Config())
    assert status == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("ok: daily-checkin")
    assert captured.err.splitlines() == [
        f"{bad}:6: unknown key 'colour' in a say step; allowed: allow_pause_word, id, low_energy, say",
        f"{tmp_path / 'missing.yaml'}: no such file",
    ]


def test_validate_through_the_cli_exits_0_or_2(tmp_path, capsys, chdir_tmp, monkeypatch):
    from voice_attune import cli

    if validate not in cli.COMMANDS:  # until cli.py registers it
        monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + (validate,))
    main = cli.main
    assert main(["validate", "daily-checkin"]) == 0
    assert main(["validate", str(write(tmp_path, "  - sya: Hi\n"))]) == 2
    assert "script.yaml:5: this step has no kind" in capsys.readouterr().err


def test_read_script_returns_no_script_when_anything_is_wrong(tmp_path):
    script, found = read_script(write(tmp_path, "  - goto: nowhere\n"), Config())
    assert script is None and [e.line for e in found] == [5]


def test_a_turn_can_remember_its_words_for_a_later_prompt(tmp_path):
    path = write(tmp_path, (
        "  - turn: A\n    id: sentence\n    remember: true\n"
        "  - say: \"Here is your message: {sentence}\"\n"
    ))
    assert problems(path) == []
    forgetful = write(tmp_path, "  - turn: A\n    remember: true\n")
    assert any(":6: remember: true needs an id" in p for p in problems(forgetful))


def test_resolve_fills_step_timings_from_the_settings(tmp_path):
    from voice_attune.script.steps import Mirror, resolve

    header = "title: T\ndescription: d\nminutes: 3\nsettings: {turn_seconds: 50, mirror_rounds: 2}\nsteps:\n"
    turn, mirror, choose = load_script(write(tmp_path, (
        "  - turn: A\n    warning: 5\n  - mirror: A\n"
        "  - choose: Pick.\n    id: c\n    who: B\n    options: [a, b]\n"
    ), header), Config()).steps
    assert (resolve(turn, Settings(turn_seconds=50)).seconds, resolve(turn, Settings()).warning) == (50, 5)
    settings = load_script(write(tmp_path, "  - say: Hi\n", header), Config()).settings
    resolved = resolve(mirror, settings)
    assert isinstance(resolved, Mirror) and (resolved.rounds, resolved.more_seconds) == (2, 50)
    assert resolve(choose, settings).confirm_prompt == "You chose {c}. Is that right?"


def test_every_spoken_text_of_a_script_can_be_read_for_wording_checks():
    from voice_attune.script.checks import spoken_texts

    texts = [text for _, text in spoken_texts(load_script("daily-checkin", Config()))]
    assert any("{pause_word}" in t for t in texts)
    assert not [t for t in texts if re.search(r"\b(you should|calm down|always|never)\b", t, re.I)]


def test_the_example_in_the_format_docstring_is_a_valid_script(tmp_path):
    import textwrap

    from voice_attune.script import steps as module

    doc = module.__doc__ or ""
    example = textwrap.dedent(doc[doc.index("    title:"):doc.index("Prompts are templates")])
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    assert problems(path) == []


def test_a_menu_of_feelings_comes_from_config(tmp_path):
    from voice_attune.config import Config as C

    config = C(feelings={"heavy": {"drained": "quiet company", "numb": "a walk"}, "light": {"calm": "company"}})
    path = write(tmp_path, '  - choose: "{speaker}, which is closest? {options}"\n    id: feeling\n    options: feelings\n'
                           '    who: A\n  - say: "{A} would like {feeling.need}."\n')
    step = load_script(str(path), config).steps[0]
    assert [g.name for g in step.groups] == ["heavy", "light"]
    assert step.options == ("drained", "numb", "calm")
    assert step.needs["numb"] == "a walk"


def test_the_feelings_menu_in_config_is_checked_with_its_line(tmp_path):
    from voice_attune.config import load_config

    path = tmp_path / "config.yaml"
    path.write_text("feelings:\n  heavy: {drained: quiet company}\n  light: {drained: company}\n")
    with pytest.raises(UserError, match="config.yaml:1: .*feeling 'drained' is in two groups"):
        load_config(path, env={})


def test_validate_shows_every_mistake_in_one_pass(tmp_path, capsys):
    from voice_attune.cli import main

    path = tmp_path / "two.yaml"
    path.write_text("title: T\ndescription: d\nminutes: 3\nsteps:\n  - say: 'To pause, say {pause_word}.'\n"
                    "  - turn: C\n    id: talk\n  - goto: talk\n  - goto: nowhere\n  - turn: A\n    seconds: 0.5\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3, err  # a step that cannot be read, and two the checks find, at once
    assert f"{path}:6: 'turn' is 'C'" in err[0]
    assert f"{path}:9: there is no step with id 'nowhere'" in err[1]
    assert f"{path}:11: seconds is 0.5" in err[2]
