"""`eakte classifier train|evaluate`: teach the model from confirmed documents, and measure it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from classifiers.fileplan import FilePlan
from eakte.cli.common import (
    DataOption,
    JsonOption,
    console,
    file_plan_for,
    open_archive,
    out,
    settings_for,
)
from pipelines.settings import Settings

# scikit-learn and SciPy take seconds to import: only the commands that need them load them,
# so that `eakte search`, `eakte akte` and the rest start at once.
if TYPE_CHECKING:
    from classifiers.model import TextModel
    from pipelines.labelled import LabelledSet

app = typer.Typer(help="Train and measure the document-type classifier.", no_args_is_help=True)

FolderOption = Annotated[
    Path | None,
    typer.Option("--from-folder", help="Labelled folder: one sub-folder per type (.txt/.pdf)."),
]


def _read_folder(folder: Path) -> LabelledSet:
    from pipelines.labelled import read_labelled_folder

    try:
        from pipelines.labelled import labelled_files

        total = len(labelled_files(folder))
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    columns = (TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("read", total=total)
        found = read_labelled_folder(folder, advance=lambda _p: bar.advance(task))
    for problem in found.problems:
        console.print(f"[yellow]left out[/yellow] {problem}", markup=True, highlight=False)
    return found


def _from_archive(settings: Settings, plan: FilePlan) -> LabelledSet:
    from pipelines.labelled import LabelledSet

    archive = open_archive(settings)
    found = LabelledSet()
    try:
        for document_id, text, doc_type in archive.training_documents(
            min_rule_confidence=plan.rule_certainty
        ):
            found.texts.append(text)
            found.labels.append(doc_type)
            found.paths.append(Path(document_id))
    finally:
        archive.close()
    return found


@app.command("train")
def train_command(
    data: DataOption = None,
    from_folder: FolderOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the model here instead of making it the archive's current one."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train from the archive's confirmed documents (or a labelled folder) and keep the model."""
    from classifiers.model import TrainingError, train
    from classifiers.model_file import save_model
    from eakte.cli.classifier_views import print_model
    from pipelines.model_store import save_versioned, signing_key

    settings = settings_for(data)
    plan = file_plan_for(settings)
    if from_folder is not None:
        found, source = _read_folder(from_folder), f"folder {from_folder}"
    else:
        found, source = _from_archive(settings, plan), f"archive {settings.data_dir}"
    with console.status("training…") as status:
        try:
            model = train(
                found.texts,
                found.labels,
                source=source,
                progress=lambda step: status.update(f"training: {step}"),
            )
        except TrainingError as exc:
            console.print(f"[red]cannot train from {source}:[/red] {exc}")
            raise typer.Exit(2) from exc
    fits_plan = _fits(model, plan)
    if out_file is not None:
        save_model(model, out_file, signing_key(settings.data_dir, create=True))
        path = out_file
    elif fits_plan is not None:
        console.print(
            f"[red]not made current:[/red] {fits_plan}; write it elsewhere with --out FILE"
        )
        raise typer.Exit(2)
    else:
        path = save_versioned(settings.data_dir, model, activate=True)
    if as_json:
        out.print_json(json.dumps({"model": str(path), **model.info.model_dump(mode="json")}))
        return
    print_model(out, model, path, current=out_file is None)
    if fits_plan is not None:
        console.print(f"[yellow]note:[/yellow] {fits_plan}; the pipeline will not use this model")


def _fits(model: TextModel, plan: FilePlan) -> str | None:
    from classifiers.decide import ModelMismatch, check_model_fits_plan

    try:
        check_model_fits_plan(model, plan)
    except ModelMismatch as exc:
        return str(exc)
    return None


@app.command("evaluate")
def evaluate_command(
    folder: Annotated[Path, typer.Option("--folder", help="Labelled folder to measure on.")],
    model_file: Annotated[
        Path | None, typer.Option("--model", help="Model file (default: the archive's current).")
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accuracy, macro-F1, per-type precision/recall, confusion matrix and precision by confidence.

    Documents the model was trained on are left out, so the figures are for unseen documents.
    With a model of the file plan's types the decision is the pipeline's (rules + model).
    """
    from classifiers.evaluation import evaluate_predictions
    from classifiers.model import text_sha256
    from eakte.cli.classifier_views import print_evaluation

    settings = settings_for(data)
    plan = file_plan_for(settings)
    model = _load(model_file, settings)
    found = _read_folder(folder)
    trained_on = set(model.training_documents) if model is not None else set()
    keep = [i for i, t in enumerate(found.texts) if text_sha256(t) not in trained_on]
    left_out = len(found.texts) - len(keep)
    if not keep:
        console.print(
            f"[red]{folder}: every document was in the training set; nothing to measure[/red]"
        )
        raise typer.Exit(2)
    with_rules = model is None or _fits(model, plan) is None
    predictions = [_predict(found.texts[i], plan, model, with_rules) for i in keep]
    evaluation = evaluate_predictions(
        [found.labels[i] for i in keep], [p[0] for p in predictions], [p[1] for p in predictions]
    )
    decided_by = "rules" if model is None else "rules + model" if with_rules else "model"
    report: dict[str, Any] = {
        "folder": str(folder),
        "decided_by": decided_by,
        "model": model.info.model_dump(mode="json") if model is not None else None,
        "left_out_training_documents": left_out,
        "unreadable": found.problems,
        "review_threshold": settings.review_threshold
        if settings.review_threshold is not None
        else plan.review_threshold,
        **evaluation.as_dict(),
    }
    if as_json:
        out.print_json(json.dumps(report))
    else:
        print_evaluation(out, report)


def _load(model_file: Path | None, settings: Settings) -> TextModel | None:
    from pipelines.model_store import current_model_path, load_signed

    path = model_file or current_model_path(settings.data_dir)
    if path is None:
        console.print("[yellow]no trained model: measuring the file plan's rules alone[/yellow]")
        return None
    return load_signed(path, settings.data_dir)


def _predict(
    text: str, plan: FilePlan, model: TextModel | None, with_rules: bool
) -> tuple[str, float]:
    from classifiers.decide import decide

    if with_rules:
        decision = decide(text, plan, model)
        return decision.doc_type, decision.confidence
    assert model is not None
    prediction = model.classify(text)
    return prediction.label, prediction.confidence
