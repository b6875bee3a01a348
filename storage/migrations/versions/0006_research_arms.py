"""research arms and self-reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("arm", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("randomised", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("arm_draw", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("self_valence_before", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("self_arousal_before", sa.Float(), nullable=True))
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_valence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("self_arousal", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_column("self_arousal")
        batch_op.drop_column("self_valence")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_column("self_arousal_before")
        batch_op.drop_column("self_valence_before")
        batch_op.drop_column("arm_draw")
        batch_op.drop_column("randomised")
        batch_op.drop_column("arm")
