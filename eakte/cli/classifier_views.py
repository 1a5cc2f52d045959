"""Terminal views of the classifier: what a model was trained on, and how well it does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def print_model(console: Console, model: Any, path: Path, current: bool) -> None:
    info = model.info
    table = Table(title=f"Model {path.name}" + (" (current)" if current else ""))
    table.add_column("type")
    table.add_column("training documents", justify="right")
    for label, count in info.documents_per_label.items():
        table.add_row(escape(label), str(count))
    console.print(table)
    m = info.metrics
    console.print(
        f"{info.documents} documents from {escape(info.source)}; cross-validated on them "
        f"({m['cv_folds']:.0f} folds): accuracy {m['cv_accuracy']:.3f}, "
        f"macro-F1 {m['cv_macro_f1']:.3f}"
    )
    console.print(f"written to {escape(str(path))}")


def _share(value: float) -> str:
    return f"{value:.3f}"


def print_evaluation(console: Console, report: dict[str, Any]) -> None:
    """Figures first, then per type, the confusion matrix and the threshold table."""
    console.print(
        f"[bold]{report['documents']} documents[/bold] from {escape(report['folder'])}, "
        f"decided by {report['decided_by']}: accuracy [bold]{_share(report['accuracy'])}[/bold], "
        f"macro-F1 [bold]{_share(report['macro_f1'])}[/bold]"
    )
    if report["left_out_training_documents"]:
        console.print(
            f"[yellow]{report['left_out_training_documents']} document(s) left out: "
            "the model was trained on them[/yellow]"
        )
    per_label = Table(title="Per type")
    for column in ("type", "precision", "recall", "F1", "documents"):
        per_label.add_column(column, justify="left" if column == "type" else "right")
    for label, row in report["per_label"].items():
        per_label.add_row(
            escape(label),
            _share(row["precision"]),
            _share(row["recall"]),
            _share(row["f1"]),
            str(row["support"]),
        )
    console.print(per_label)

    labels = report["labels"]
    confusion = Table(title="Confusion matrix (rows: true type, columns: decided type)")
    confusion.add_column("")
    for i, _ in enumerate(labels):
        confusion.add_column(str(i + 1), justify="right")
    for i, (label, row) in enumerate(zip(labels, report["confusion"], strict=True)):
        cells = [
            f"[green]{n}[/]" if i == j and n else f"[red]{n}[/]" if n else "[dim]·[/]"
            for j, n in enumerate(row)
        ]
        confusion.add_row(f"{i + 1} {escape(label)}", *cells)
    console.print(confusion)

    threshold = report["review_threshold"]
    table = Table(title="Precision by confidence: pick the review threshold here")
    for column in ("threshold", "filed automatically", "of them right", "wrongly filed"):
        table.add_column(column, justify="right")
    for row in report["by_confidence"]:
        mark = " ◀ current" if abs(row["threshold"] - threshold) < 1e-9 else ""
        table.add_row(
            f"{row['threshold']:.2f}{mark}",
            f"{row['filed']:.1%}",
            f"{row['precision']:.1%}",
            str(row["wrong_filed"]),
        )
    console.print(table)
