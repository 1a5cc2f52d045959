"""Records management: Akten, Vorgänge, events, legal holds, disposals; hash-chained audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:30:00

Existing documents with an Aktenzeichen are filed into Akten (one Vorgang per batch), and
the existing audit events are chained in their order, so an upgraded archive verifies.
"""

import json
import uuid
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from archive.audit.chain import GENESIS, event_hash

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "akten",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("aktenzeichen", sa.String(length=80), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("aktenplan_unit", sa.String(length=40), nullable=False),
        sa.Column("organisation_unit", sa.String(length=40), nullable=True),
        sa.Column("opened", sa.Date(), nullable=False),
        sa.Column("closed", sa.Date(), nullable=True),
        sa.Column("retention_end", sa.Date(), nullable=True),
        sa.Column("offer_id", sa.String(length=36), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appraisal", sa.String(length=1), nullable=True),
        sa.Column("appraised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transfer_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("aktenzeichen"),
    )
    with op.batch_alter_table("akten", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_akten_aktenplan_unit"), ["aktenplan_unit"])
    op.create_table(
        "vorgaenge",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("akte_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["akte_id"], ["akten.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("akte_id", "batch_id"),
    )
    with op.batch_alter_table("vorgaenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vorgaenge_akte_id"), ["akte_id"])
    op.create_table(
        "akte_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("akte_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["akte_id"], ["akten.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("akte_id", "name"),
    )
    with op.batch_alter_table("akte_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_akte_events_akte_id"), ["akte_id"])
    op.create_table(
        "holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("selector", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "hold_akten",
        sa.Column("hold_id", sa.String(length=36), nullable=False),
        sa.Column("akte_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["akte_id"], ["akten.id"]),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"]),
        sa.PrimaryKeyConstraint("hold_id", "akte_id"),
    )
    op.create_table(
        "disposals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("akte_id", sa.String(length=36), nullable=False),
        sa.Column("aktenzeichen", sa.String(length=80), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("retention_end", sa.Date(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposed_by", sa.String(length=120), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["akte_id"], ["akten.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposals_akte_id"), ["akte_id"])
    op.create_table(
        "retention_rules",
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("years", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("event", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("plan_version", sa.String(length=120), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit"),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # ALTER TABLE ADD COLUMN with REFERENCES: recreating `documents` is not possible while
    # pages and identifiers refer to it with foreign keys enforced
    op.execute("ALTER TABLE documents ADD COLUMN vorgang_id VARCHAR(36) REFERENCES vorgaenge (id)")
    op.create_index(op.f("ix_documents_vorgang_id"), "documents", ["vorgang_id"])
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    _file_existing_documents()


def _chain_existing_events() -> None:
    bind = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("event", sa.String),
        sa.column("document_id", sa.String),
        sa.column("batch_id", sa.String),
        sa.column("detail", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    previous, last_id = GENESIS, 0
    for row in bind.execute(sa.select(events).order_by(events.c.id)).all():
        detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail or "{}")
        digest = event_hash(
            previous, row.id, row.at, row.event, row.document_id, row.batch_id, detail
        )
        bind.execute(
            events.update().where(events.c.id == row.id).values(prev_hash=previous, hash=digest)
        )
        previous, last_id = digest, row.id
    bind.execute(
        sa.text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, :i, :h)"),
        {"i": last_id, "h": previous},
    )


def _file_existing_documents() -> None:
    """Akten for the Aktenzeichen of documents archived before Akten existed."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, aktenzeichen, aktenplan_unit, batch_id, archived_at, title "
            "FROM documents WHERE aktenzeichen IS NOT NULL ORDER BY archived_at"
        )
    ).all()
    akten: dict[str, str] = {}
    vorgaenge: dict[tuple[str, str], str] = {}
    for doc_id, az, unit, batch_id, archived_at, _title in rows:
        if az not in akten:
            akten[az] = str(uuid.uuid4())
            opened = (
                archived_at
                if isinstance(archived_at, datetime)
                else datetime.fromisoformat(str(archived_at))
            )
            bind.execute(
                sa.text(
                    "INSERT INTO akten (id, aktenzeichen, title, aktenplan_unit, opened) "
                    "VALUES (:id, :az, :title, :unit, :opened)"
                ),
                {"id": akten[az], "az": az, "title": f"Akte {az}", "unit": unit,
                 "opened": opened.date().isoformat()},
            )  # fmt: skip
        key = (akten[az], batch_id)
        if key not in vorgaenge:
            vorgaenge[key] = str(uuid.uuid4())
            bind.execute(
                sa.text(
                    "INSERT INTO vorgaenge (id, akte_id, batch_id, title) "
                    "VALUES (:id, :akte, :batch, :title)"
                ),
                {"id": vorgaenge[key], "akte": akten[az], "batch": batch_id,
                 "title": f"Erfassung {batch_id}"},
            )  # fmt: skip
        bind.execute(
            sa.text("UPDATE documents SET vorgang_id = :v WHERE id = :d"),
            {"v": vorgaenge[key], "d": doc_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    op.drop_index(op.f("ix_documents_vorgang_id"), table_name="documents")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("vorgang_id")
    for table in (
        "audit_head",
        "retention_rules",
        "disposals",
        "hold_akten",
        "holds",
        "akte_events",
        "vorgaenge",
    ):
        op.drop_table(table)
    op.drop_table("akten")
