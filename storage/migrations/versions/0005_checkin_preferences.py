"""checkin preferences

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:26:34.998397
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checkins_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("checkin_delay_s", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("checkin_delay_s")
        batch_op.drop_column("checkins_enabled")
