"""Configuration, read once: `eakte.toml` (or the file in EAKTE_CONFIG) plus EAKTE_* variables.

Libraries never read the environment; this module turns it into values they are given.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

DEFAULT_CONFIG_FILE = Path("eakte.toml")


class Settings(BaseModel):
    """Everything an `eakte` command may be told; each field has a working default."""

    data_dir: Path = Path("eakte-data")
    file_plan: Path | None = None  # None: the bundled plan for a tax office and building authority
    languages: tuple[str, ...] = ("deu", "eng")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    review_threshold: float | None = Field(default=None, ge=0, le=1)  # None: the file plan's
    max_megapixels: float = Field(default=250, gt=0)
    deskew: bool = True
    # seconds tesseract may spend on one page before it is kept as an image and named for rescan
    ocr_page_timeout: float = Field(default=60, gt=0)
    es_url: str | None = None  # set: search index in Elasticsearch 8 instead of Tantivy
    es_index: str = "eakte-documents"
    user: str | None = None  # who records review decisions; None: the login name
    # the parties of the hand-over to the archive (xdomea Kopf): us, and the archive
    authority_name: str = "Stadtverwaltung Musterstadt"
    authority_code: str = "musterstadt"
    archive_name: str = "Stadtarchiv Musterstadt"
    archive_code: str = "stadtarchiv-musterstadt"


class ConfigError(ValueError):
    pass


_ENV = {
    "EAKTE_DATA": "data_dir",
    "EAKTE_FILE_PLAN": "file_plan",
    "EAKTE_LANGUAGES": "languages",
    "EAKTE_WORKERS": "workers",
    "EAKTE_REVIEW_THRESHOLD": "review_threshold",
    "EAKTE_MAX_MEGAPIXELS": "max_megapixels",
    "EAKTE_OCR_PAGE_TIMEOUT": "ocr_page_timeout",
    "EAKTE_ES_URL": "es_url",
    "EAKTE_ES_INDEX": "es_index",
    "EAKTE_USER": "user",
    "EAKTE_AUTHORITY_NAME": "authority_name",
    "EAKTE_AUTHORITY_CODE": "authority_code",
    "EAKTE_ARCHIVE_NAME": "archive_name",
    "EAKTE_ARCHIVE_CODE": "archive_code",
}


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Defaults < config file < environment < command-line overrides (None means not given)."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    config_file = Path(env.get("EAKTE_CONFIG", DEFAULT_CONFIG_FILE))
    if config_file.is_file():
        try:
            values.update(tomllib.loads(config_file.read_text("utf-8")).get("eakte", {}))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file}: {exc}") from exc
    for variable, name in _ENV.items():
        if env.get(variable):
            values[name] = env[variable]
    if isinstance(values.get("languages"), str):
        values["languages"] = tuple(str(values["languages"]).replace(",", "+").split("+"))
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration ({config_file} / EAKTE_*): {exc}") from exc
    cpu = os.cpu_count() or 1
    return settings.model_copy(update={"workers": min(settings.workers, cpu)})


def open_index(settings: Settings):  # type: ignore[no-untyped-def]
    """The configured search index: Elasticsearch when EAKTE_ES_URL is set, else Tantivy."""
    if settings.es_url:
        from archive.es_index import ElasticsearchIndex

        return ElasticsearchIndex(settings.es_url, settings.es_index)
    from archive.tantivy_index import TantivyIndex

    return TantivyIndex(settings.data_dir / "index")
