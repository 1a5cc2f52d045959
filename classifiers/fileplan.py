"""The file plan (Aktenplan): units with retention rules and the document types filed into them.

The plan is data, not code, so that a municipality can adapt it (its own Aktenplan numbers,
its own phrases) by editing a TOML file instead of changing the classifier.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from classifiers.errors import ClassifierError

__all__ = [
    "AktenplanUnit",
    "DocTypeRule",
    "FilePlan",
    "FilePlanError",
    "OrganisationUnit",
    "RetentionRule",
    "load_file_plan",
]

DEFAULT_PLAN_RESOURCE = "default_fileplan.toml"


class FilePlanError(ClassifierError):
    """A file plan could not be read or is inconsistent; the message names the file."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RetentionRule(_Frozen):
    """How long records of a unit are kept (Aufbewahrungsfrist) and from when it runs.

    With trigger "event" the period runs from the first of `events` recorded for the file
    (e.g. the building's demolition, or the refusal or withdrawal of the application); a
    single `event` is accepted as one of them, as older plans wrote it.
    """

    years: int | None = Field(ge=0)  # None = permanent ("dauernd")
    trigger: Literal["closing", "document_date", "event"] = "closing"
    events: list[str] = []
    legal_basis: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _one_event(cls, data: Any) -> Any:
        if isinstance(data, dict) and "event" in data:
            data = dict(data)
            one = data.pop("event")
            data["events"] = [one, *data.get("events", [])] if one else data.get("events", [])
        return data

    @model_validator(mode="after")
    def _events_named(self) -> RetentionRule:
        # An event-based period is meaningless to a records manager without the event's name.
        if self.trigger == "event" and not self.events:
            raise ValueError("retention with trigger 'event' needs 'events' (what has to happen)")
        if self.trigger != "event" and self.events:
            raise ValueError("retention 'events' are only allowed with trigger 'event'")
        if any(" ".join(e.split()) != e or not e for e in self.events):
            raise ValueError("retention events must be non-empty, without extra spaces")
        if dup := _duplicates(self.events):
            raise ValueError(f"duplicate retention events: {', '.join(dup)}")
        return self


class AktenplanUnit(_Frozen):
    """One unit of the Aktenplan, e.g. ``6.1.3 Baugenehmigungsverfahren``.

    `aktenzeichen_pattern` (a regular expression the whole Aktenzeichen must match) says
    which Akten belong to the unit: an Akte takes its unit from its Aktenzeichen, never from
    the documents filed into it.
    """

    id: str = Field(pattern=r"^\d+(\.\d+)*$")
    title: str = Field(min_length=1)
    retention: RetentionRule
    aktenzeichen_pattern: str | None = None

    @model_validator(mode="after")
    def _pattern_compiles(self) -> AktenplanUnit:
        if self.aktenzeichen_pattern is not None:
            try:
                re.compile(self.aktenzeichen_pattern)
            except re.error as exc:
                raise ValueError(
                    f"unit {self.id}: aktenzeichen_pattern is not a valid regex: {exc}"
                ) from exc
        return self


class DocTypeRule(_Frozen):
    """A document type and the phrases that recognise it in OCR text."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    unit: str
    tax: bool = False  # tax secrecy (§ 30 AO) applies
    strong: list[str]
    weak: list[str] = []
    negative: list[str] = []

    @model_validator(mode="after")
    def _phrases_not_blank(self) -> DocTypeRule:
        for field in ("strong", "weak", "negative"):
            if any(not p.strip() for p in getattr(self, field)):
                raise ValueError(f"type {self.key!r}: empty phrase in {field!r}")
        return self


class OrganisationUnit(_Frozen):
    """An office (Amt) and the Aktenplan units whose records it keeps.

    A token scope ``org:63`` stands for these units, so access follows the organisation
    chart instead of listing Aktenplan numbers on every token.
    """

    id: str = Field(pattern=r"^[\w-]{1,40}$")
    name: str = Field(min_length=1)
    units: list[str] = Field(min_length=1)


class FilePlan(_Frozen):
    """A complete, consistent file plan: every type files into a unit that exists."""

    name: str
    version: str
    aktenzeichen_pattern: str
    review_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    rule_certainty: float = Field(default=0.85, ge=0.0, le=1.0)
    # countries whose IBANs are extracted as identifiers (ISO 3166 alpha-2)
    iban_countries: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]] = ["DE"]
    fallback_type: str = "schriftverkehr"
    units: list[AktenplanUnit]
    types: list[DocTypeRule]
    organisation_units: list[OrganisationUnit] = []

    @model_validator(mode="after")
    def _consistent(self) -> FilePlan:
        try:
            re.compile(self.aktenzeichen_pattern)
        except re.error as exc:
            raise ValueError(f"aktenzeichen_pattern is not a valid regex: {exc}") from exc
        unit_ids = [u.id for u in self.units]
        if dup := _duplicates(unit_ids):
            raise ValueError(f"duplicate unit ids: {', '.join(dup)}")
        keys = [t.key for t in self.types]
        if dup := _duplicates(keys):
            raise ValueError(f"duplicate type keys: {', '.join(dup)}")
        patterns = [u.aktenzeichen_pattern for u in self.units if u.aktenzeichen_pattern]
        if dup := _duplicates(patterns):
            raise ValueError(f"units share the aktenzeichen_pattern {dup[0]!r}")
        known = set(unit_ids)
        for t in self.types:
            if t.unit not in known:
                raise ValueError(f"type {t.key!r} refers to unknown unit {t.unit!r}")
        if self.fallback_type not in keys:
            raise ValueError(f"fallback_type {self.fallback_type!r} is not a defined type")
        if dup := _duplicates([o.id for o in self.organisation_units]):
            raise ValueError(f"duplicate organisation unit ids: {', '.join(dup)}")
        for org in self.organisation_units:
            for unit in org.units:
                # a unit or a group of units ("6.1" holds "6.1.3"), never "6.10" for "6.1"
                if not any(u == unit or u.startswith(unit + ".") for u in unit_ids):
                    raise ValueError(
                        f"organisation unit {org.id!r} refers to unknown Aktenplan unit {unit!r}"
                    )
        return self

    @property
    def organisation_scopes(self) -> dict[str, tuple[str, ...]]:
        """Organisation unit id -> the Aktenplan units its scope ``org:<id>`` covers."""
        return {o.id: tuple(o.units) for o in self.organisation_units}

    def unit(self, unit_id: str) -> AktenplanUnit:
        """Return the unit with this id; KeyError if the plan has none."""
        for u in self.units:
            if u.id == unit_id:
                return u
        raise KeyError(unit_id)

    def doc_type(self, key: str) -> DocTypeRule:
        """Return the document type with this key; KeyError if the plan has none."""
        for t in self.types:
            if t.key == key:
                return t
        raise KeyError(key)


def _duplicates(items: list[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for item in items:
        if item in seen and item not in dup:
            dup.append(item)
        seen.add(item)
    return dup


def load_file_plan(path: Path | None = None) -> FilePlan:
    """Load and validate a file plan; ``None`` loads the plan shipped with the package.

    Every problem becomes a FilePlanError naming the file, because the person who has to fix
    it is editing a TOML file, not reading a traceback.
    """
    if path is None:
        source = resources.files("classifiers").joinpath(DEFAULT_PLAN_RESOURCE)
        where = f"<bundled {DEFAULT_PLAN_RESOURCE}>"
        try:
            raw = source.read_bytes()
        except OSError as exc:
            raise FilePlanError(f"{where}: cannot read: {exc}") from exc
    else:
        where = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise FilePlanError(f"{where}: cannot read: {exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FilePlanError(f"{where}: not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FilePlanError(f"{where}: invalid TOML: {exc}") from exc
    try:
        return FilePlan.model_validate(data)
    except ValidationError as exc:
        raise FilePlanError(f"{where}: invalid file plan: {field_problems(exc, 'plan')}") from exc


def field_problems(exc: ValidationError, whole: str) -> str:
    """Every problem as "field.path: message", for people who fix a TOML file by hand."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or whole}: {err['msg']}" for err in exc.errors()
    )
