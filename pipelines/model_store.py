"""Where an archive keeps its trained models, which one is current, and the key that signs them.

Models are kept, never overwritten: `models/<created>-<hash>.eaktemodel`, and `models/CURRENT`
names the one the pipeline uses, so a records manager can see and roll back what filed a
document. The signing key (`keys/model-signing.key`) never leaves the data directory; a model
file copied in from elsewhere is refused until it is trained here.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from archive.atomic import atomic_write_bytes
from classifiers.decide import ModelMismatch, check_model_fits_plan
from classifiers.fileplan import FilePlan
from classifiers.model import TextModel
from classifiers.model_file import ModelFileError, load_model, save_model

MODELS_DIR = "models"
CURRENT = "CURRENT"
KEY_FILE = Path("keys") / "model-signing.key"
SUFFIX = ".eaktemodel"


def signing_key(data_dir: Path, create: bool = False) -> bytes:
    """The archive's model-signing key; created (readable by the owner only) when asked."""
    path = data_dir / KEY_FILE
    if not path.is_file():
        if not create:
            raise FileNotFoundError(f"{path}: no model-signing key in this data directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


def current_model_path(data_dir: Path) -> Path | None:
    pointer = data_dir / MODELS_DIR / CURRENT
    if not pointer.is_file():
        return None
    return data_dir / MODELS_DIR / pointer.read_text("utf-8").strip()


def save_versioned(data_dir: Path, model: TextModel, activate: bool) -> Path:
    """Keep the model under a name of its own; make it current if asked."""
    stamp = model.info.created.strftime("%Y%m%dT%H%M%SZ")
    path = data_dir / MODELS_DIR / f"{stamp}-{model.info.training_set_sha256[:8]}{SUFFIX}"
    save_model(model, path, signing_key(data_dir, create=True))
    if activate:
        atomic_write_bytes(data_dir / MODELS_DIR / CURRENT, f"{path.name}\n".encode())
    return path


def load_signed(path: Path, data_dir: Path) -> TextModel:
    """Load a model file signed with this archive's key (ModelFileError otherwise)."""
    try:
        key = signing_key(data_dir)
    except FileNotFoundError as exc:
        raise ModelFileError(path, str(exc)) from exc
    return load_model(path, key)


def pipeline_model(data_dir: Path, plan: FilePlan) -> tuple[TextModel | None, str | None]:
    """The model the pipeline uses, or None with the reason it falls back to the rules.

    A missing model is normal (None, None); a damaged, tampered or unfitting one is refused
    with a warning, never used.
    """
    path = current_model_path(data_dir)
    if path is None:
        return None, None
    try:
        model = load_signed(path, data_dir)
        check_model_fits_plan(model, plan)
    except (ModelFileError, ModelMismatch) as exc:
        return None, f"trained model not used, classifying by rules only: {exc}"
    return model, None
