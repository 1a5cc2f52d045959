"""The archive's own id (Archivkennung) of a handed-over file, from its 0506

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 18:00:00

Files confirmed before this revision have none: their 0503 did not ask for it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("akten") as batch:
        batch.add_column(sa.Column("archive_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("akten") as batch:
        batch.drop_column("archive_id")
