"""Classifier accuracy and speed, side by side with a plain TF-IDF linear model, in one run.

    python -m benchmarks.classifier [--folds 5] [--german-train 1500] [--german-test 1000] [--json]

* Tobacco3482 (real scanned business letters, memos, forms ... as noisy OCR text, from
  ../shared/corpus): k-fold accuracy and macro-F1 of eakte's model and of the reference
  (scikit-learn's TfidfVectorizer + LinearSVC with default settings), same folds.
* German municipal documents from `benchmarks.german_docs`: trained on one seed, measured on
  documents of another seed, by the model alone and by rules + model as the pipeline decides.
* Speed on one core: milliseconds to classify one document, seconds to train on 3,000
  documents, size of the model file.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from classifiers.decide import decide
from classifiers.fileplan import load_file_plan
from classifiers.model import train
from classifiers.model_file import save_model

ROOT = Path(__file__).resolve().parents[1]
TOBACCO = ROOT.parent / "shared" / "corpus" / "classification" / "tobacco3482-ocr-dev"


def read_folder(folder: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(sub.glob("*.txt")):
            texts.append(path.read_text("utf-8", errors="replace"))
            labels.append(sub.name)
    return texts, labels


def reference_model():  # type: ignore[no-untyped-def]
    """The named reference: a plain TF-IDF linear model with library defaults."""
    return make_pipeline(TfidfVectorizer(), LinearSVC())


def _scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
    }


def tobacco_kfold(folds: int, say) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    texts, labels = read_folder(TOBACCO)
    y = np.array(labels)
    per_fold: list[dict[str, Any]] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for i, (fit, held) in enumerate(splitter.split(texts, y), start=1):
        say(f"Tobacco3482 fold {i}/{folds}")
        fit_x, held_x = [texts[j] for j in fit], [texts[j] for j in held]
        ref = reference_model().fit(fit_x, y[fit])
        model = train(fit_x, list(y[fit]))
        per_fold.append(
            {
                "fold": i,
                "reference": _scores(y[held], ref.predict(held_x)),
                "eakte": _scores(y[held], [model.classify(t).label for t in held_x]),
            }
        )

    def mean(who: str, key: str) -> float:
        return round(statistics.mean(f[who][key] for f in per_fold), 4)

    def sd(who: str, key: str) -> float:
        return round(statistics.stdev(f[who][key] for f in per_fold), 4) if folds > 1 else 0.0

    return {
        "documents": len(texts),
        "folds": per_fold,
        "mean": {
            who: {k: mean(who, k) for k in ("accuracy", "macro_f1")}
            | {f"{k}_sd": sd(who, k) for k in ("accuracy", "macro_f1")}
            for who in ("reference", "eakte")
        },
    }


def german(train_n: int, test_n: int, say) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from benchmarks.german_docs import generate

    plan = load_file_plan()
    say("German documents: generating")
    fit_docs = generate(train_n, seed=1)
    held_docs = generate(test_n, seed=2)
    fit_x, fit_y = [d.text for d in fit_docs], [d.doc_type for d in fit_docs]
    held_x, held_y = [d.text for d in held_docs], [d.doc_type for d in held_docs]
    overlap = len({*fit_x} & {*held_x})
    say("German documents: training")
    model = train(fit_x, fit_y)
    ref = reference_model().fit(fit_x, fit_y)
    decided = [decide(t, plan, model) for t in held_x]
    rules_only = [decide(t, plan).doc_type for t in held_x]
    return {
        "train_documents": len(fit_x),
        "test_documents": len(held_x),
        "identical_texts_in_both": overlap,
        "reference": _scores(held_y, ref.predict(held_x)),
        "model": _scores(held_y, [model.classify(t).label for t in held_x]),
        "rules": _scores(held_y, rules_only),
        "rules_and_model": _scores(held_y, [d.doc_type for d in decided]),
        "decided_by_model": round(sum(d.source == "model" for d in decided) / len(decided), 4),
    }


def speed(say) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One core: classification per document, training on 3,000 documents, model file size."""
    texts, labels = read_folder(TOBACCO)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    try:
        from benchmarks.german_docs import generate

        extra = generate(max(0, 3000 - len(texts)), seed=3)
        pool = [texts[i] for i in order] + [d.text for d in extra]
        pool_labels = [labels[i] for i in order] + [d.doc_type for d in extra]
    except ImportError:
        pool, pool_labels = [texts[i] for i in order], [labels[i] for i in order]
    fit_x, fit_y = pool[:3000], pool_labels[:3000]
    with threadpool_limits(1):
        say(f"training on {len(fit_x)} documents")
        start = time.perf_counter()
        model = train(fit_x, fit_y)
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        ref = reference_model().fit(fit_x, fit_y)
        ref_train_s = time.perf_counter() - start
        sample = [texts[i] for i in order[:500]]
        say("classifying one document at a time")
        start = time.perf_counter()
        for text in sample:
            model.classify(text)
        per_doc_ms = (time.perf_counter() - start) / len(sample) * 1000
        start = time.perf_counter()
        for text in sample:
            ref.predict([text])
        ref_per_doc_ms = (time.perf_counter() - start) / len(sample) * 1000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.eaktemodel"
        save_model(model, path, b"benchmark-key")
        size_mb = path.stat().st_size / 1e6
    return {
        "train_documents": len(fit_x),
        "mean_characters": round(statistics.mean(len(t) for t in sample)),
        "eakte": {
            "train_s": round(train_s, 1),
            "classify_ms": round(per_doc_ms, 2),
            "model_mb": round(size_mb, 1),
        },
        "reference": {"train_s": round(ref_train_s, 1), "classify_ms": round(ref_per_doc_ms, 2)},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--german-train", type=int, default=1500)
    parser.add_argument("--german-test", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    results: dict[str, Any] = {}
    with console.status("benchmark") as status:
        results["tobacco"] = tobacco_kfold(args.folds, status.update)
        results["german"] = german(args.german_train, args.german_test, status.update)
        results["speed"] = speed(status.update)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        _print(Console(), results)
    return 0


def _print(console: Console, r: dict[str, Any]) -> None:
    t = r["tobacco"]
    table = Table(title=f"Tobacco3482 dev ({t['documents']} documents), {len(t['folds'])}-fold")
    for column in ("", "accuracy", "macro-F1"):
        table.add_column(column, justify="right")
    for f in t["folds"]:
        for who in ("reference", "eakte"):
            table.add_row(
                f"fold {f['fold']} {who}", f"{f[who]['accuracy']:.4f}", f"{f[who]['macro_f1']:.4f}"
            )
    for who in ("reference", "eakte"):
        m = t["mean"][who]
        table.add_row(
            f"[bold]mean {who}",
            f"[bold]{m['accuracy']:.4f} ± {m['accuracy_sd']:.4f}",
            f"[bold]{m['macro_f1']:.4f} ± {m['macro_f1_sd']:.4f}",
        )
    console.print(table)
    g = r["german"]
    table = Table(
        title=f"German municipal documents: trained on {g['train_documents']}, "
        f"measured on {g['test_documents']} others"
    )
    for column in ("", "accuracy", "macro-F1"):
        table.add_column(column, justify="right")
    for who in ("reference", "rules", "model", "rules_and_model"):
        table.add_row(
            who.replace("_", " + "), f"{g[who]['accuracy']:.4f}", f"{g[who]['macro_f1']:.4f}"
        )
    console.print(table)
    s = r["speed"]
    table = Table(title=f"One core, {s['train_documents']} training documents")
    for column in ("", "eakte", "reference", "ratio"):
        table.add_column(column, justify="right")
    for key, label in (("classify_ms", "classify, ms/document"), ("train_s", "train, s")):
        e, ref = s["eakte"][key], s["reference"][key]
        table.add_row(label, f"{e}", f"{ref}", f"{e / ref:.1f}x" if ref else "")
    table.add_row("model file, MB", f"{s['eakte']['model_mb']}", "", "")
    console.print(table)


if __name__ == "__main__":
    raise SystemExit(main())
