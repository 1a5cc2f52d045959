"""`python -m pipelines` runs the eakte command line."""

from pipelines.cli import app

app(prog_name="eakte")
