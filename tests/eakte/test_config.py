from pathlib import Path

import pytest

from eakte.config import ConfigError, load_settings


def test_defaults_then_file_then_environment_then_options(tmp_path: Path) -> None:
    config = tmp_path / "eakte.toml"
    config.write_text('[eakte]\ndata_dir = "/srv/eakte"\nlanguages = ["deu"]\nworkers = 1\n')
    env = {"EAKTE_CONFIG": str(config)}
    settings = load_settings(env)
    assert settings.data_dir == Path("/srv/eakte")
    assert settings.languages == ("deu",)
    assert load_settings({**env, "EAKTE_DATA": "/data"}).data_dir == Path("/data")
    assert load_settings({**env, "EAKTE_DATA": "/data"}, data_dir=Path("x")).data_dir == Path("x")
    assert load_settings({"EAKTE_LANGUAGES": "deu+eng+fra"}).languages == ("deu", "eng", "fra")


def test_workers_never_exceed_cores(tmp_path: Path) -> None:
    import os

    assert load_settings({"EAKTE_WORKERS": "999"}).workers == (os.cpu_count() or 1)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EAKTE_REVIEW_THRESHOLD": "2"}, "review_threshold"),
        ({"EAKTE_WORKERS": "0"}, "workers"),
        ({"EAKTE_MAX_PAGES": "0"}, "max_pages"),
        ({"EAKTE_OCR_MEMORY_MB": "100"}, "ocr_memory_mb"),
    ],
)
def test_invalid_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_broken_config_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "eakte.toml"
    config.write_text("[eakte\n")
    with pytest.raises(ConfigError, match=str(config)):
        load_settings({"EAKTE_CONFIG": str(config)})


def test_the_input_size_limit_is_read_from_the_environment() -> None:
    assert load_settings({}).max_input_bytes == 500 * 1024 * 1024
    assert load_settings({"EAKTE_MAX_INPUT_BYTES": "1000"}).max_input_bytes == 1000
    with pytest.raises(ConfigError, match="max_input_bytes"):
        load_settings({"EAKTE_MAX_INPUT_BYTES": "0"})


def test_the_resource_limits_have_defaults_and_variables() -> None:
    assert (load_settings({}).max_pages, load_settings({}).ocr_memory_mb) == (2000, 2048)
    settings = load_settings({"EAKTE_MAX_PAGES": "500", "EAKTE_OCR_MEMORY_MB": "4096"})
    assert (settings.max_pages, settings.ocr_memory_mb) == (500, 4096)
