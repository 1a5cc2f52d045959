"""The German words people read for the archive's closed sets, shared by the CLI and the web pages."""

from __future__ import annotations

# an Akte's retention state (archive.records.akten)
STATE_LABELS = {
    "active": "aktiv", "due": "fällig", "on_hold": "gesperrt (Hold)", "offered": "angeboten",
    "appraised": "bewertet", "transferred": "abgegeben", "disposed": "vernichtet",
}  # fmt: skip

# a document's status where clerks see it
STATUS_LABELS = {"archived": "archiviert", "needs_review": "zur Prüfung"}

# the kinds of identifier extracted from a document (classifiers.extract)
IDENTIFIER_LABELS = {
    "aktenzeichen": "Aktenzeichen",
    "steuernummer": "Steuernummer",
    "steuer_idnr": "Steuer-IdNr.",
    "iban": "IBAN",
    "flurstueck": "Flurstück",
}
