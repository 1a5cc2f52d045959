"""Text from outside (the file plan, batch manifests, people, the archive's 0506) unbounded

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-13 10:00:00

The lengths the earlier revisions gave these columns were never enforced by SQLite, and
real values exceed them (the bundled file plan's version is 46 characters long). PostgreSQL
enforces a VARCHAR's length, so there they become VARCHAR without one; on SQLite nothing
changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UNBOUNDED = {
    "batches": {"name": 200},
    "documents": {
        "doc_type": 80,
        "doc_label": 200,
        "aktenplan_unit": 40,
        "aktenzeichen": 80,
        "file_plan_version": 40,
        "reviewed_by": 120,
    },
    "identifiers": {"value": 120, "raw": 200},
    "akten": {"aktenzeichen": 80, "aktenplan_unit": 40, "organisation_unit": 40, "archive_id": 200},
    "akte_events": {"name": 200},
    "holds": {"created_by": 120, "released_by": 120},
    "retention_rules": {"unit": 40, "plan_version": 120},
    "disposals": {"aktenzeichen": 80, "proposed_by": 120, "approved_by": 120},
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in UNBOUNDED.items():
        for column, length in columns.items():
            op.alter_column(
                table, column, type_=sa.String(), existing_type=sa.String(length=length)
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in UNBOUNDED.items():
        for column, length in columns.items():
            op.alter_column(
                table, column, type_=sa.String(length=length), existing_type=sa.String()
            )
