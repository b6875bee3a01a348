"""voice readings on mood reports: the transcript's mood and the voice's arousal, kept beside the
fused mood

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("text_valence", "text_arousal", "prosody_arousal", "prosody_confidence", "duration_s")


def upgrade() -> None:
    with op.batch_alter_table("mood_report") as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mood_report") as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
