"""index check-ins by recommendation

The research export (and the check-in reward) look check-ins up by their recommendation; without
an index each lookup scanned the whole table, so a million-row export slowed down as it went.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 06:20:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_checkin_recommendation_id"), "checkin", ["recommendation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_checkin_recommendation_id"), table_name="checkin")
