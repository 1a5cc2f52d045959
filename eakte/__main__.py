"""`python -m eakte` runs the eakte command line."""

from eakte.cli.app import app

app(prog_name="eakte")
