"""The application each `eakte serve` worker process runs, configured like every command.

uvicorn starts workers as fresh processes that import this factory; `eakte serve` has already
opened the archive once (migrations, index upgrades) and passes its data directory in
EAKTE_DATA, so the workers only read.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from archive.store import Archive
from classifiers.fileplan import load_file_plan
from eakte.config import load_settings
from eakte.web.api import create_app
from pipelines.settings import open_index


def app() -> FastAPI:
    settings = load_settings()
    archive = Archive(settings.data_dir, index=open_index(settings))
    application = create_app(archive, load_file_plan(settings.file_plan))
    # What start-up made lives as long as the worker: keep it out of the collector's full
    # passes, which otherwise walk it again and again while requests wait.
    gc.collect()
    gc.freeze()
    return application
