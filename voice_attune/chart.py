"""The history as a picture: per week, sessions, each partner's share of speaking time, pauses
and the feelings chosen, drawn with matplotlib (imported only here, only when a chart is asked
for) into a PNG or SVG file readable by this user only."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

from voice_attune.errors import UserError
from voice_attune.privatefiles import write_private
from voice_attune.trends import Week

FORMATS = ("png", "svg")
INSTALL_HINT = "pip install 'voice-attune[charts]' (or: pip install matplotlib)"


def chart_format(path: str | Path) -> str:
    """png or svg, from the file's extension; anything else is a user error."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UserError(f"a chart is written as .png or .svg, not '{Path(path).suffix or 'no extension'}'",
                        str(path))
    return suffix


def available() -> bool:
    """Whether matplotlib can be imported."""
    from importlib import import_module

    try:
        import_module("matplotlib")
    except ImportError:
        return False
    return True


def draw(weeks: Sequence[Week], path: str | Path, title: str = "voice-attune, per week") -> None:
    """Draw the weeks into ``path`` (its extension picks PNG or SVG), written whole, 0600."""
    fmt = chart_format(path)
    if not Path(path).parent.is_dir():
        raise UserError("cannot write the chart: no such folder", str(path))
    try:
        import matplotlib
    except ImportError:
        raise UserError(f"drawing a chart needs the matplotlib package: {INSTALL_HINT}", str(path)) from None
    matplotlib.use("Agg")  # files only: never a window, also without a display
    # Text stays text in an SVG (names and feelings can be searched and read aloud by a screen reader).
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "voice-attune"}):
        data = _render(weeks, title, fmt)
    try:
        write_private(Path(path), lambda out: out.write(data))
    except OSError as exc:
        raise UserError(f"cannot write the chart: {exc.strerror}", str(path)) from None


def _render(weeks: Sequence[Week], title: str, fmt: str) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 10), dpi=100, layout="constrained")
    axes = figure.subplots(4, 1, sharex=True)
    x = list(range(len(weeks)))
    labels = [w.start.strftime("%d %b") for w in weeks]
    figure.suptitle(title)

    counts = [w.sessions for w in weeks]
    axes[0].bar(x, counts, color="#4c72b0")
    axes[0].set_ylabel("sessions")
    _label_bars(axes[0], x, counts)

    names = list(dict.fromkeys(n for w in weeks for n in w.speech_s))
    bottom = [0.0] * len(weeks)
    for i, name in enumerate(names):
        part = [w.shares.get(name, 0) for w in weeks]
        axes[1].bar(x, part, bottom=bottom, label=name, color=_PARTNER_COLOURS[i % len(_PARTNER_COLOURS)])
        for xi, b, p in zip(x, bottom, part):
            if p:
                axes[1].text(xi, b + p / 2, f"{p}%", ha="center", va="center", fontsize=8, color="white")
        bottom = [b + p for b, p in zip(bottom, part)]
    axes[1].set_ylim(0, 100)
    axes[1].set_ylabel("share of speaking (%)")
    if names:
        axes[1].legend(loc="upper left", fontsize=8, ncols=len(names))

    pauses = [w.pauses for w in weeks]
    axes[2].bar(x, pauses, color="#dd8452")
    axes[2].set_ylabel("pauses")
    _label_bars(axes[2], x, pauses)

    feelings = list(dict.fromkeys(f for w in weeks for f, _ in w.feelings.most_common()))
    bottom = [0.0] * len(weeks)
    for i, feeling in enumerate(feelings):
        part = [w.feelings.get(feeling, 0) for w in weeks]
        axes[3].bar(x, part, bottom=bottom, label=feeling, color=_FEELING_COLOURS[i % len(_FEELING_COLOURS)])
        bottom = [b + p for b, p in zip(bottom, part)]
    axes[3].set_ylabel("feelings chosen")
    if feelings:
        axes[3].legend(loc="upper left", fontsize=8, ncols=min(len(feelings), 5))
    else:
        axes[3].text(0.5, 0.5, "no feelings chosen from a menu", transform=axes[3].transAxes,
                     ha="center", va="center", color="grey")

    for ax, values in ((axes[0], counts), (axes[2], pauses), (axes[3], [sum(w.feelings.values()) for w in weeks])):
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylim(0, max(1, *values) * 1.15)  # room for the figures above the bars
    every = max(1, len(weeks) // 12)  # a long period: a date under every few weeks, readable
    axes[3].set_xticks(x[::every], labels[::every], rotation=45 if len(weeks) > 12 else 0)
    axes[3].set_xlabel("week of (Monday)")

    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata=_METADATA[fmt])
    return buffer.getvalue()


def _label_bars(ax, x: list[int], values: list[int]) -> None:
    for xi, v in zip(x, values):
        if v:
            ax.text(xi, v, str(v), ha="center", va="bottom", fontsize=8)


_PARTNER_COLOURS = ("#4c72b0", "#55a868", "#8172b3", "#937860")
_FEELING_COLOURS = ("#64b5cd", "#c44e52", "#8172b3", "#ccb974", "#55a868", "#da8bc3", "#8c8c8c", "#4c72b0")
# No software name or date in the file: the same history draws the same bytes.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
