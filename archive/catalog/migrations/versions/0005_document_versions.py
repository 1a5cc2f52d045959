"""Document versions: a rescan becomes a new version of its document

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:00:00

Every document archived so far is its own version 1.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_versions",
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sha256_original", sa.String(length=64), nullable=False),
        sa.Column("sha256_pdfa", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("document_id", "number"),
        sa.UniqueConstraint("sha256_original"),
    )
    op.execute(
        "INSERT INTO document_versions (document_id, number, sha256_original, sha256_pdfa,"
        " source_name, batch_id, created_at) SELECT id, 1, sha256_original, sha256_pdfa,"
        " source_name, batch_id, archived_at FROM documents"
    )


def downgrade() -> None:
    op.drop_table("document_versions")
