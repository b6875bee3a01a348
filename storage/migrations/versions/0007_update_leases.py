"""update claims become leases

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 11:00:00

A processed update was recorded before it was handled, so the redelivery of an update whose bot
replica died mid-way was dropped and the update lost. Claims now carry a status, a claim time and
the claimer, and are marked done after the replies are sent. Rows from before count as done.
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sqltypes.AutoString(length=16),
                nullable=False,
                server_default="done",
            )
        )
        batch_op.add_column(sa.Column("claimed_at", sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sqltypes.AutoString(length=96), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("status")
