"""Configuration, read once: `eakte.toml` (or the file in EAKTE_CONFIG) plus EAKTE_* variables.

Libraries and flows never read the environment; this module turns it into the `Settings`
value they are given. The one exception is the records manager's secret EAKTE_TOKEN, which
only the records decisions' `--token` option reads (`eakte.cli.records`), so no secret sits
in `Settings`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import ValidationError

from eakte.errors import ApplicationError
from pipelines.settings import Settings

DEFAULT_CONFIG_FILE = Path("eakte.toml")


class ConfigError(ApplicationError):
    """The configuration file or an EAKTE_* variable is wrong."""


_ENV = {
    "EAKTE_DATA": "data_dir",
    "EAKTE_DATABASE_URL": "database_url",
    "EAKTE_BLOB_DIR": "blob_dir",
    "EAKTE_FILE_PLAN": "file_plan",
    "EAKTE_LANGUAGES": "languages",
    "EAKTE_WORKERS": "workers",
    "EAKTE_REVIEW_THRESHOLD": "review_threshold",
    "EAKTE_MAX_MEGAPIXELS": "max_megapixels",
    "EAKTE_MAX_INPUT_BYTES": "max_input_bytes",
    "EAKTE_OCR_PAGE_TIMEOUT": "ocr_page_timeout",
    "EAKTE_SEARCH_URL": "search_url",
    "EAKTE_SEARCH_INDEX": "search_index",
    "EAKTE_SEARCH_CA_CERTS": "search_ca_certs",
    "EAKTE_MAX_PAGES": "max_pages",
    "EAKTE_OCR_MEMORY_MB": "ocr_memory_mb",
    "EAKTE_ES_URL": "es_url",
    "EAKTE_ES_INDEX": "es_index",
    "EAKTE_USER": "user",
    "EAKTE_AUTHORITY_NAME": "authority_name",
    "EAKTE_AUTHORITY_CODE": "authority_code",
    "EAKTE_ARCHIVE_NAME": "archive_name",
    "EAKTE_ARCHIVE_CODE": "archive_code",
    "EAKTE_TSA_URL": "tsa_url",
    "EAKTE_TSA_CERTIFICATE": "tsa_certificate",
    "EAKTE_SECURE_COOKIES": "secure_cookies",
    "EAKTE_SESSION_IDLE_MINUTES": "session_idle_minutes",
    "EAKTE_SESSION_HOURS": "session_hours",
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
    if settings.tsa_url and settings.tsa_certificate is None:
        raise ConfigError(
            "tsa_url is set but tsa_certificate is not: give the TSA's certificate (PEM) so "
            "that its timestamps can be verified (eakte.toml or EAKTE_TSA_CERTIFICATE)"
        )
    if settings.tsa_certificate is not None and not settings.tsa_certificate.is_file():
        raise ConfigError(f"{settings.tsa_certificate}: TSA certificate file not found")
    cpu = os.cpu_count() or 1
    return settings.model_copy(update={"workers": min(settings.workers, cpu)})
