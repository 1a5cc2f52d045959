"""The model file: a signed ZIP of JSON and numeric arrays; loading never unpickles anything.

A model decides where tax and building records are filed, so a file that was swapped or
edited must not be used. The file holds `model.json` (metadata, vectoriser settings and
vocabularies), `weights.npz` (plain float arrays, read with ``allow_pickle=False``) and
`signature` (HMAC-SHA256 over both, with a key the archive keeps). The signature is checked
before either member is parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from classifiers.errors import ClassifierError
from classifiers.model import FORMAT_VERSION, ModelInfo, TextModel, make_vectorizer

__all__ = ["ModelFileError", "load_model", "save_model"]

_MEMBERS = ("model.json", "weights.npz", "signature")
_MAX_MEMBER_BYTES = 512 * 1024 * 1024  # a model beyond this is not one of ours: refuse to inflate
_DOMAIN = b"eakte-model\n"


class ModelFileError(ClassifierError):
    """A model file cannot be used; names the file and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _signature(key: bytes, meta: bytes, weights: bytes) -> str:
    message = _DOMAIN + hashlib.sha256(meta).digest() + hashlib.sha256(weights).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def save_model(model: TextModel, path: Path, key: bytes) -> None:
    """Write the model atomically (temporary file, then rename), signed with `key`."""
    vocabularies = {
        view.name: sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        for view, vec in model.vectorizers
    }
    meta = json.dumps(
        {
            "info": model.info.model_dump(mode="json"),
            "vocabularies": vocabularies,
            "training_documents": list(model.training_documents),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    arrays = {"coef": model.coef, "intercept": model.intercept}
    for view, vec in model.vectorizers:
        arrays[f"idf_{view.name}"] = np.asarray(vec.idf_, dtype=np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    weights = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", meta)
        zf.writestr("weights.npz", weights, compress_type=zipfile.ZIP_STORED)
        zf.writestr("signature", _signature(key, meta, weights))
    tmp.replace(path)


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(info.filename for info in zf.infolist())
            if names != sorted(_MEMBERS):  # also refuses a second member shadowing the first
                raise ModelFileError(
                    path, f"not an eakte model file (holds {', '.join(names) or 'nothing'})"
                )
            for info in zf.infolist():
                if info.file_size > _MAX_MEMBER_BYTES:
                    raise ModelFileError(path, f"{info.filename} is implausibly large")
            return {name: zf.read(name) for name in _MEMBERS}
    except FileNotFoundError as exc:
        raise ModelFileError(path, "no such model file") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ModelFileError(path, f"damaged or not a model file ({exc})") from exc
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read: {exc.strerror or exc}") from exc


def load_model(path: Path, key: bytes) -> TextModel:
    """Load a model whose signature matches `key`; anything else is a ModelFileError."""
    members = _read_members(path)
    meta, weights = members["model.json"], members["weights.npz"]
    expected = _signature(key, meta, weights)
    if not hmac.compare_digest(expected, members["signature"].decode("ascii", "replace").strip()):
        raise ModelFileError(
            path, "signature does not match: the file was altered or signed with another key"
        )
    try:
        data = json.loads(meta)
        info = ModelInfo.model_validate(data["info"])
        vocabularies: dict[str, list[str]] = data["vocabularies"]
        training_documents: list[str] = data["training_documents"]
        with np.load(io.BytesIO(weights), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise ModelFileError(path, f"unreadable model contents ({exc})") from exc
    if info.format_version != FORMAT_VERSION:
        raise ModelFileError(
            path, f"model format {info.format_version}; this eakte reads format {FORMAT_VERSION}"
        )
    vectorizers = []
    width = 0
    for view in info.views:
        terms = vocabularies.get(view.name)
        if not terms:
            raise ModelFileError(path, f"vocabulary of view {view.name!r} is missing")
        vec = make_vectorizer(view, {term: i for i, term in enumerate(terms)})
        idf = arrays.get(f"idf_{view.name}")
        if idf is None or idf.shape != (len(terms),):
            raise ModelFileError(path, f"weights of view {view.name!r} do not fit its vocabulary")
        vec.idf_ = idf
        vectorizers.append((view, vec))
        width += len(terms)
    coef, intercept = arrays.get("coef"), arrays.get("intercept")
    shape = (len(info.labels), width)
    if coef is None or intercept is None or coef.shape != shape or intercept.shape != shape[:1]:
        raise ModelFileError(path, f"weights do not match {shape[0]} labels x {width} features")
    return TextModel(info, vectorizers, coef, intercept, training_documents)
