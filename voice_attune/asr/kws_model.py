"""A keyword head: a small network over a window of speech embeddings, and its file.

The network is a plain two-layer perceptron in NumPy (a few hundred kilobytes, well under a
millisecond per 80 ms step, so it runs on a Raspberry Pi beside the recognizers). Each output
is one phrase (the pause word, or a command) with its own threshold, chosen on held-out data.
A model may hold several such networks, trained on the synthetic speech of several seeds; the
median of their scores counts.
Files are NumPy archives written atomically: an interrupted save never leaves half a model.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from voice_attune.asr.kws_features import EMBEDDING_SIZE
from voice_attune.errors import UserError
from voice_attune.privatefiles import write_private

FORMAT = 1
"""The format of a file whose networks all see the embeddings as they are."""
CHANGES_FORMAT = 2
"""The format of a file with a network that sees changes (``as_changes``): a reader of format 1
alone would score it wrongly, so it says "retrain" instead."""


class BadModelFile(UserError):
    """A keyword model file that cannot be read."""


@dataclass
class KeywordModel:
    """Weights and what they mean."""

    phrases: list[str]
    """The phrase each output hears, e.g. ["pineapple"] or ["stop", "yes", ...]."""
    names: list[str]
    """The event name of each output: pause, stop, yes, no, done, ..."""
    thresholds: list[float]
    """Score (0-1) at or above which an output fires."""
    window: int
    """Embeddings (80 ms each) the network looks at."""
    weights: dict[str, np.ndarray]
    """mean, scale, w1, b1, w2, b2, w3, b3."""
    meta: dict = field(default_factory=dict)
    """How it was made and what it measured (seed, voices, figures)."""
    confirm: int = 2
    """Consecutive 80 ms steps at or above the threshold before an output fires."""
    gate: dict[str, np.ndarray] | None = None
    """For a model adapted to enrolled voices: the weights it was trained with before. The
    adapted network answers only where that one scores at least ``gate_at``; elsewhere the
    lower of the two scores counts, so sound-alikes the trained model refused stay refused."""
    gate_at: float = 0.5
    members: list[dict[str, np.ndarray]] = field(default_factory=list)
    """More networks: the median of their scores and the first's counts. Each seed's synthetic
    voices, rooms and sentences are one draw, and models of different draws hear differently;
    together they hear more at the same false alarms (docs/benchmarks.md)."""
    gate_members: list[dict[str, np.ndarray]] = field(default_factory=list)
    """The members of ``gate``, as ``members`` are of ``weights``."""
    _stacks: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    """Networks stacked for scoring (see _Stacked), by which networks they are."""

    def networks(self) -> list[dict[str, np.ndarray]]:
        """Every network whose scores count: ``weights`` first."""
        return [self.weights, *self.members]

    def scores(self, windows: np.ndarray) -> np.ndarray:
        """Scores (n, outputs) in 0-1 for windows (n, window, 96)."""
        x = windows.reshape(windows.shape[0], -1).astype(np.float32)
        own = self._stacked("own", self.networks())(x)
        if self.gate is None:
            return own
        before = self._stacked("gate", [self.gate, *self.gate_members])(x)
        return np.where(before >= self.gate_at, own, np.minimum(own, before))

    def _stacked(self, which: str, nets: list[dict[str, np.ndarray]]) -> "_Stacked":
        """The networks stacked once, made again when a network was replaced (training sets
        ``members`` after fitting the first; enrolment builds new networks). A network is never
        changed in place (``fit`` returns new ones), so which networks they are is the key: it
        is looked at every 80 ms step."""
        key = tuple(map(id, nets))
        got = self._stacks.get(which)
        if got is None or got.key != key:
            got = self._stacks[which] = _Stacked(nets, key)
        return got

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file in the same folder, then a rename), mode 0600."""
        gates = [self.gate, *self.gate_members] if self.gate is not None else []
        changes = any(CHANGES in net for net in (*self.networks(), *gates))
        header = {
            "format": CHANGES_FORMAT if changes else FORMAT, "phrases": self.phrases, "names": self.names,
            "thresholds": [float(t) for t in self.thresholds], "window": self.window, "meta": self.meta,
            "confirm": self.confirm, "gate_at": self.gate_at,
        }
        arrays = {}
        for prefix, nets in (("", self.networks()), ("gate_", gates)):
            for i, net in enumerate(nets):
                arrays.update({f"{prefix}{_member(i)}{k}": v.astype(np.float32) for k, v in net.items()})
        write_private(path, lambda out: np.savez(
            out, header=np.frombuffer(json.dumps(header).encode(), np.uint8), **arrays))

    @classmethod
    def load(cls, path: Path) -> "KeywordModel":
        """Read a model file; a missing or damaged one raises BadModelFile naming it."""
        if not path.is_file():
            raise BadModelFile(f"{path}: no keyword model there")
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(bytes(data["header"]).decode())
                weights, *members = _read_networks(data, "")
                gate, *gate_members = _read_networks(data, "gate_") or [None]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as exc:
            raise BadModelFile(f"{path}: damaged keyword model ({type(exc).__name__})") from None
        try:
            model = cls(
                list(header["phrases"]), list(header["names"]), [float(t) for t in header["thresholds"]],
                int(header["window"]), weights, dict(header.get("meta", {})), int(header.get("confirm", 1)),
                gate, float(header.get("gate_at", 0.5)), members, gate_members,
            )
            _check_shapes(model)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadModelFile(f"{path}: damaged keyword model ({exc})") from None
        if header.get("format") not in (FORMAT, CHANGES_FORMAT):
            raise BadModelFile(f"{path}: keyword model format {header.get('format')}, "
                               f"expected {FORMAT} or {CHANGES_FORMAT}; retrain it")
        return model


CHANGES = "changes"
"""A network's flag (an array of one 1) that it sees its window as changes: see as_changes."""
_WEIGHT_NAMES = ("mean", "scale", "w1", "b1", "w2", "b2", "w3", "b3", CHANGES)


def _member(i: int) -> str:
    """The prefix of the ``i``-th network's arrays in a file: none for the first (the format of
    a model of one network), m1_, m2_, ... for the others."""
    return f"m{i}_" if i else ""


def _read_networks(data, prefix: str) -> list[dict[str, np.ndarray]]:
    nets, i = [], 0
    while f"{prefix}{_member(i)}w1" in data.files:
        nets.append({k: np.asarray(data[f"{prefix}{_member(i)}{k}"], np.float32) for k in _WEIGHT_NAMES
                     if k != CHANGES or f"{prefix}{_member(i)}{k}" in data.files})
        i += 1
    if not nets and not prefix:
        raise KeyError("w1")
    return nets


def _check_shapes(model: KeywordModel) -> None:
    for w in (*model.networks(), model.gate, *model.gate_members):
        if w is not None:
            _check_weights(model, w)
    if not 0.0 <= model.gate_at <= 1.0:
        raise ValueError("gate_at outside 0-1")


def _check_weights(model: KeywordModel, w: dict[str, np.ndarray]) -> None:
    k, d = len(model.names), model.window * EMBEDDING_SIZE
    if not (len(model.phrases) == k == len(model.thresholds) and k > 0):
        raise ValueError("phrases, names and thresholds differ in number")
    if w["mean"].shape != (d,) or w["scale"].shape != (d,) or w["w1"].shape[0] != d:
        raise ValueError(f"input size does not match a window of {model.window}")
    if w["w3"].shape[1] != k or w["b3"].shape != (k,):
        raise ValueError("outputs do not match the phrases")
    if not all(np.isfinite(a).all() for a in w.values()):
        raise ValueError("weights that are not numbers")


def network(w: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Scores (n, outputs) in 0-1 for inputs (n, d): the two-layer perceptron with weights ``w``."""
    if CHANGES in w:
        x = as_changes(x.reshape(x.shape[0], -1, EMBEDDING_SIZE)).reshape(x.shape[0], -1)
    x = (x - w["mean"]) / w["scale"]
    h = np.maximum(x @ w["w1"] + w["b1"], 0.0)
    h = np.maximum(h @ w["w2"] + w["b2"], 0.0)
    return _sigmoid(h @ w["w3"] + w["b3"])


def as_changes(windows: np.ndarray) -> np.ndarray:
    """Windows (n, steps, 96) as a network that sees changes takes them: the last embedding, then
    the change from each embedding to the next (the same numbers, arranged otherwise). Scaled
    one by one and learnt with the same input dropout and weight decay, the changes let a
    network lean on how the sound moved rather than on where it stood: on voices of held-out
    accents, fitted on the same data, the pause word was heard more often under babble, behind
    a talker and through the echo at the same false pauses an hour (docs/benchmarks.md)."""
    return np.concatenate([windows[:, -1:], np.diff(windows, axis=1)], axis=1)


class _Stacked:
    """Several networks scored as one: the median of their scores, what most of them agree on.
    (Their mean let one network that was sure "no" outvote three that heard the word, for
    Flite's awb voice at speed 180; over the benchmark's streams the two rules trade recall for
    false pauses alike.)

    Each network's input scaling, and for one that sees changes the changes too, are folded
    into its first layer (both are linear), so every network takes the same window: networks of
    one shape are multiplied together, the first layers side by side in one product, the others
    as one batched product. The pause word's 16 networks took 0.59 ms an 80 ms step one by one
    on this machine, stacked 0.31 ms (docs/benchmarks.md). The scores are the same to float32
    rounding."""

    CHUNK = 2048
    """Windows scored at a time: a batch of held-out windows stays a few megabytes."""

    def __init__(self, nets: list[dict[str, np.ndarray]], key: tuple):
        self.key = key
        self._held = list(nets)  # so that the ids in the key stay theirs
        groups: dict[tuple, list[dict[str, np.ndarray]]] = {}
        for net in nets:
            groups.setdefault((net["w1"].shape, net["w2"].shape), []).append(net)
        self._groups = [_stack_group(same) for same in groups.values()]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] > self.CHUNK:
            return np.concatenate([self(x[i : i + self.CHUNK]) for i in range(0, x.shape[0], self.CHUNK)])
        scores = []
        for w1, b1, w2, b2, w3, b3 in self._groups:
            h = np.maximum(x @ w1 + b1, 0.0)  # (n, networks * hidden)
            h = h.reshape(x.shape[0], w2.shape[0], w2.shape[1]).transpose(1, 0, 2)  # (networks, n, hidden)
            h = np.maximum(h @ w2 + b2, 0.0)
            scores.append(_sigmoid(h @ w3 + b3))  # (networks, n, outputs)
        every = scores[0] if len(scores) == 1 else np.concatenate(scores)
        return every[0] if every.shape[0] == 1 else np.median(every, axis=0)


def _stack_group(nets: list[dict[str, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """One shape's networks as six arrays, each first layer taking the window as it is."""
    first = [_folded(net) for net in nets]
    f32 = lambda a: np.ascontiguousarray(a, np.float32)  # noqa: E731
    return (
        f32(np.concatenate([w1 for w1, _ in first], axis=1)), f32(np.concatenate([b1 for _, b1 in first])),
        f32(np.stack([n["w2"] for n in nets])), f32(np.stack([n["b2"] for n in nets])[:, None, :]),
        f32(np.stack([n["w3"] for n in nets])), f32(np.stack([n["b3"] for n in nets])[:, None, :]),
    )


def _folded(net: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A first layer (w1, b1) that takes the window as it is, in float64.

    The scaling: ((x - mean) / scale) @ w1 + b1 == x @ (w1 / scale) + (b1 - (mean / scale) @ w1).
    The changes: as_changes gives the last embedding, then each step's change, so embedding i
    of the window meets the weights of the change into it, less those of the change out of it,
    and the last one also those of its own place at the front."""
    inv = 1.0 / net["scale"].astype(np.float64)
    w1 = net["w1"].astype(np.float64) * inv[:, None]
    b1 = net["b1"] - (net["mean"] * inv) @ net["w1"].astype(np.float64)
    if CHANGES in net:
        per = w1.reshape(-1, EMBEDDING_SIZE, w1.shape[1])  # (steps, 96, hidden), in as_changes' order
        into = np.concatenate([np.zeros_like(per[:1]), per[1:]])  # step i's weights as the change into it
        out_of = np.concatenate([per[1:], np.zeros_like(per[:1])])  # ... and as the change out of it
        plain = into - out_of
        plain[-1] += per[0]
        w1 = plain.reshape(w1.shape)
    return w1, b1


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def fit(
    x: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray,
    seed: int,
    hidden: int = 96,
    epochs: int = 30,
    batch: int = 256,
    learning_rate: float = 2e-3,
    l2: float = 1e-3,
    progress: Callable[[float], None] | None = None,
    init: dict[str, np.ndarray] | None = None,
    ahead: bool = True,
    changes: bool = False,
) -> dict[str, np.ndarray]:
    """Train the network with Adam on binary cross-entropy (one sigmoid per phrase).

    x: (n, window, 96) windows; y: (n, outputs) 0/1 targets; sample_weight: (n,); ``init``:
    weights to go on from (adapting a model) instead of new ones; ``ahead``: draw the random
    numbers on another thread (the same numbers either way); ``changes``: the network sees its
    windows as_changes (always so when ``init`` does).
    Seeded: the same data and seed give the same weights."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    changes = changes if init is None else CHANGES in init
    flat = (as_changes(x) if changes else x).reshape(n, -1).astype(np.float32)
    mean = flat.mean(axis=0) if init is None else init["mean"]
    scale = flat.std(axis=0) + 1e-3 if init is None else init["scale"]
    flat = (flat - mean) / scale
    d, k = flat.shape[1], y.shape[1]
    params = {key: init[key].copy() for key in ("w1", "b1", "w2", "b2", "w3", "b3")} if init is not None else {
        "w1": (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": (rng.standard_normal((hidden, hidden)) * np.sqrt(2.0 / hidden)).astype(np.float32),
        "b2": np.zeros(hidden, np.float32),
        "w3": (rng.standard_normal((hidden, k)) * np.sqrt(1.0 / hidden)).astype(np.float32),
        "b3": np.full(k, -2.0, np.float32),
    }
    m = {key: np.zeros_like(v) for key, v in params.items()}
    v2 = {key: np.zeros_like(v) for key, v in params.items()}
    b1, b2, step = 0.9, 0.999, 0
    sw = (sample_weight / sample_weight.mean()).astype(np.float32)
    draws = _Draws(rng, n, d, epochs, batch) if ahead else _draws(rng, n, d, epochs, batch)
    # One core multiplies (these products are small), the other draws. One thread also sums the
    # products in the same order on any machine: OpenBLAS 0.3.31 on two threads gave other bits.
    with threadpool_limits(limits=1, user_api="blas"), contextlib.closing(draws):
        for epoch in range(epochs):
            order = next(draws)
            lr = learning_rate * (0.5 * (1 + np.cos(np.pi * epoch / epochs)))  # cosine decay
            for start in range(0, n, batch):
                idx = order[start : start + batch]
                xb, yb, wb = flat[idx], y[idx], sw[idx][:, None]
                # Input dropout: a hearing that leans on a few numbers breaks in a new room.
                xb = xb * next(draws) / 0.8
                z1 = xb @ params["w1"] + params["b1"]
                h1 = np.maximum(z1, 0)
                z2 = h1 @ params["w2"] + params["b2"]
                h2 = np.maximum(z2, 0)
                p = _sigmoid(h2 @ params["w3"] + params["b3"])
                g3 = (p - yb) * wb / len(idx)
                grads = {"w3": h2.T @ g3, "b3": g3.sum(0)}
                g2 = (g3 @ params["w3"].T) * (z2 > 0)
                grads.update({"w2": h1.T @ g2, "b2": g2.sum(0)})
                g1 = (g2 @ params["w2"].T) * (z1 > 0)
                grads.update({"w1": xb.T @ g1, "b1": g1.sum(0)})
                step += 1
                for key in params:
                    g = grads[key] + (l2 * params[key] if key.startswith("w") else 0)
                    m[key] = b1 * m[key] + (1 - b1) * g
                    v2[key] = b2 * v2[key] + (1 - b2) * g * g
                    mhat = m[key] / (1 - b1**step)
                    vhat = v2[key] / (1 - b2**step)
                    params[key] -= (lr * mhat / (np.sqrt(vhat) + 1e-8)).astype(np.float32)
            if progress is not None:
                progress((epoch + 1) / epochs)
    return {"mean": mean, "scale": scale, **params, **({CHANGES: np.ones(1, np.float32)} if changes else {})}


def _draws(rng: np.random.Generator, n: int, d: int, epochs: int, batch: int) -> Iterator[np.ndarray]:
    """Every random draw of a training, in the order the loop uses them: each epoch's order of
    the examples, then each batch's dropout mask (keep 0.8 of the inputs)."""
    for _ in range(epochs):
        yield rng.permutation(n)
        for start in range(0, n, batch):
            yield (rng.random((min(batch, n - start), d)) > 0.2).astype(np.float32)


class _Draws:
    """The same draws, made ahead on another thread: drawing the dropout masks took more than half
    of a training's time on one core, and numpy fills them without holding the GIL, so the other
    core makes them while this one multiplies. The numbers, and so the weights, are the same."""

    def __init__(self, rng: np.random.Generator, n: int, d: int, epochs: int, batch: int):
        self._queue: queue.Queue = queue.Queue(maxsize=16)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._make, args=(_draws(rng, n, d, epochs, batch),), daemon=True)
        self._thread.start()

    def _make(self, source: Iterator[np.ndarray]) -> None:
        for item in source:
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if self._stop.is_set():
                return

    def __next__(self) -> np.ndarray:
        return self._queue.get()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def held_peaks(scores: np.ndarray, groups: np.ndarray, confirm: int = 1) -> np.ndarray:
    """Each group's (clip's) highest score held for ``confirm`` consecutive windows."""
    order = np.argsort(groups, kind="stable")
    g, s = groups[order], scores[order]
    if s.size == 0:
        return s
    held = s.copy()
    for k in range(1, confirm):
        later = np.r_[s[k:], np.zeros(k, s.dtype)]
        same = np.r_[g[k:] == g[:-k], np.zeros(k, bool)]
        held = np.minimum(held, np.where(same, later, 0.0))
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    return np.maximum.reduceat(held, starts)
