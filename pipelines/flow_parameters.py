"""The Prefect flow class of the ingest: its parameters recorded without importing FastAPI.

Prefect records a flow run's parameters as JSON, made by FastAPI's `jsonable_encoder`, which
it imports for that one call; importing FastAPI cost an ingest about 0.1 core-seconds, more
than the rest of the parameters' way to the server. The ingest's parameters are strings,
lists and dictionaries of strings, None and pydantic models (`Settings`, `BatchManifest`),
for which pydantic's own JSON conversion gives the same values (`model_dump(mode="json",
by_alias=True)` is what `jsonable_encoder` does with a model);
`tests/pipelines/test_flow_parameters.py` checks that the recorded parameters stay the same.
"""

from __future__ import annotations

from typing import Any, ParamSpec, TypeVar

from prefect.flows import Flow
from prefect.futures import PrefectFuture
from prefect.states import State
from pydantic_core import PydanticSerializationError, to_jsonable_python

P = ParamSpec("P")
R = TypeVar("R")


class IngestFlow(Flow[P, R]):
    """A Prefect flow whose parameters are made JSON by pydantic instead of FastAPI."""

    def serialize_parameters(
        self, parameters: dict[str, Any | PrefectFuture[Any] | State]
    ) -> dict[str, Any]:
        """As `Flow.serialize_parameters`: a future or a state, and a value that has no JSON
        form, is recorded as `<its type's name>`."""
        serialized: dict[str, Any] = {}
        for key, value in parameters.items():
            if isinstance(value, (PrefectFuture, State)):
                serialized[key] = f"<{type(value).__name__}>"
                continue
            try:
                serialized[key] = to_jsonable_python(value, by_alias=True)
            except (TypeError, ValueError, RecursionError, PydanticSerializationError):
                serialized[key] = f"<{type(value).__name__}>"
        return serialized
