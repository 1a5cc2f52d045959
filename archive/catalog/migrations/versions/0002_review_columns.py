"""who decided a document's type, and who reviewed it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:00:00

Documents archived before this revision were all filed by the file-plan rules, so the
server default 'rule' is also the truth for existing rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("label_source", sa.String(length=12), nullable=False, server_default="rule")
        )
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("label_source")
