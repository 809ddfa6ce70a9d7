#!/usr/bin/env python3
"""Train the care check's meaning head (voice_attune/data/care_meaning.npz).

Sentences that suggest danger and ordinary check-in talk (many of them near-misses) are read
from the training sets, turned into sentence vectors by the bundled encoder
(voice_attune/asr/sentences.py), and a support vector machine with a Gaussian kernel is fitted
(scikit-learn, a development extra: the product only reads its support vectors and
coefficients), both classes weighted alike; beside it a logistic regression over tf-idf of words and
word pairs, whose weight in the sum is chosen out of fold. The threshold is chosen on out-of-fold scores (five
folds) as the lowest that keeps false alarms at or below ``--false-rate`` of ordinary talk.

The sets `fresh` and `unseen` are never read here: they measure the result
(``scripts/bench_care.py --set fresh --text-only``). Seeded; prints one JSON object.

    python scripts/train_care_meaning.py            # about a minute on 2 cores
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice_attune import yamlio  # noqa: E402
from voice_attune.asr.caremeaning import HEAD_FILE, Head, windows  # noqa: E402
from voice_attune.asr.sentences import SentenceEncoder  # noqa: E402
from voice_attune.config import Config  # noqa: E402
from voice_attune.dialog import prompts  # noqa: E402
from voice_attune.dialog.template import without_placeholders  # noqa: E402
from voice_attune.script import checks  # noqa: E402
from voice_attune.script.loader import library_names, load_script  # noqa: E402

CARE_SETS = ROOT / "tests" / "data" / "care"
TRAINING = ("train_self", "train_others", "train_checkin", "train_more", "train_asr", "dev", "held_out")
"""Sets the head learns from. `fresh` and `unseen` are kept for measuring."""


def read_set(name: str) -> tuple[list[str], list[str]]:
    data = yamlio.load_text((CARE_SETS / f"{name}.yaml").read_text(), f"{name}.yaml")
    return list(data["danger"]), list(data["ordinary"])


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.svm import SVC

    return SVC(C=c, kernel="rbf", gamma="scale", class_weight="balanced").fit(x, y)


def fit_words(texts: list[str], y: np.ndarray):
    """Tf-idf of words and word pairs seen at least twice, and a logistic regression over them."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = LogisticRegression(C=3.0, class_weight="balanced", max_iter=5000).fit(vectorizer.fit_transform(texts), y)
    return vectorizer, model


def guide_prompts() -> list[str]:
    """Every sentence the guide says (each bundled script's prompts and its own, placeholders left
    out) and their windows: it must never take its own voice, heard back, for danger."""
    texts = [t for name, v in vars(prompts).items() if name.isupper()
             for t in (v if isinstance(v, tuple) else (v,)) if isinstance(t, str)]
    texts += [text for name in library_names() for _, text in checks.spoken_texts(load_script(name, Config()))]
    said = {" ".join(without_placeholders(t).split()) for t in texts}
    return sorted({piece for text in said if text for piece in windows(text)})


def threshold_for(scores: np.ndarray, y: np.ndarray, false_rate: float) -> float:
    """The lowest threshold with at most ``false_rate`` of ordinary scores above it."""
    ordinary = np.sort(scores[y == 0])[::-1]
    allowed = int(np.floor(false_rate * len(ordinary)))
    return float(ordinary[allowed]) + 1e-6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--c", type=float, default=1.0, help="the SVM's C: higher fits the training closer (1; 3 and 10 did no better out of fold)")
    ap.add_argument("--false-rate", type=float, default=0.015,
                    help="largest share of ordinary talk allowed over the threshold, out of fold (0.015)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "voice_attune" / "data" / HEAD_FILE)
    args = ap.parse_args()

    encoder = SentenceEncoder()
    texts: list[str] = []
    labels: list[int] = []
    for name in TRAINING:
        danger, ordinary = read_set(name)
        texts += danger + ordinary
        labels += [1] * len(danger) + [0] * len(ordinary)
        print(f"read {name}: {len(danger)} danger, {len(ordinary)} ordinary", file=sys.stderr)
    people = len(texts)
    own = guide_prompts()
    texts += own
    labels += [0] * len(own)
    print(f"the guide's own prompts and their windows: {len(own)}, as ordinary", file=sys.stderr)
    x = encoder.encode(texts).astype(np.float64)
    y = np.array(labels, dtype=np.float64)

    rng = np.random.default_rng(args.seed)
    folds = rng.permutation(len(y)) % 5
    meant, put = np.zeros(len(y)), np.zeros(len(y))
    for k in range(5):
        train, test = folds != k, folds == k
        meant[test] = fit(x[train], y[train], args.c).decision_function(x[test])
        vectorizer, words = fit_words([t for t, keep in zip(texts, train) if keep], y[train])
        put[test] = words.decision_function(vectorizer.transform([t for t, keep in zip(texts, test) if keep]))
        print(f"fold {k + 1}/5", file=sys.stderr)

    # The word model's weight, and the threshold, are chosen out of fold on what people say; the
    # guide's own prompts are reported apart.
    def caught_at(mix: float) -> tuple[float, float]:
        scores = meant + mix * put
        threshold = threshold_for(scores[:people], y[:people], args.false_rate)
        return float(((scores > threshold) & (y == 1)).sum() / (y == 1).sum()), threshold

    tried = {mix: caught_at(mix)[0] for mix in (0.0, 0.3, 0.5, 1.0)}
    mix = max(tried, key=lambda m: (round(tried[m], 3), -m))
    caught, threshold = caught_at(mix)
    out_of_fold = meant + mix * put
    false = float(((out_of_fold[:people] > threshold) & (y[:people] == 0)).sum() / (y[:people] == 0).sum())
    own_false = int((out_of_fold[people:] > threshold).sum())

    model = fit(x, y, args.c)
    vectorizer, words = fit_words(texts, y)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    head = Head(support=model.support_vectors_.astype(np.float32),
                coefficients=model.dual_coef_[0].astype(np.float32), gamma=float(model._gamma),
                bias=float(model.intercept_[0]), threshold=threshold,
                vocabulary={t: i for i, t in enumerate(vocabulary)}, idf=vectorizer.idf_.astype(np.float32),
                word_weights=words.coef_[0].astype(np.float32), word_bias=float(words.intercept_[0]), mix=mix)
    sample = list(range(0, len(texts), 7))
    expected = model.decision_function(x[sample]) + mix * words.decision_function(vectorizer.transform([texts[i] for i in sample]))
    got = head.scores(x[sample].astype(np.float32), [texts[i] for i in sample])
    assert np.allclose(got, expected, atol=1e-3), "the head must score as scikit-learn does"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, support=head.support, coefficients=head.coefficients, gamma=head.gamma, bias=head.bias,
             threshold=head.threshold, vocabulary=np.array(vocabulary), idf=head.idf,
             word_weights=head.word_weights, word_bias=head.word_bias, mix=head.mix)
    print(json.dumps({
        "sentences": {"danger": int(y.sum()), "ordinary": int(len(y) - y.sum() - len(own))},
        "c": args.c, "support_vectors": int(len(head.support)), "word_terms": len(vocabulary),
        "word_mix_tried": {str(m): round(c, 3) for m, c in tried.items()}, "word_mix": mix,
        "threshold": round(threshold, 3),
        "guide_prompts": len(own),
        "out_of_fold": {"caught": round(caught, 3), "false": round(false, 3), "guide_prompts_taken": own_false},
        "written": str(args.out),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
