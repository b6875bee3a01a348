"""the language a mood report's words were read as

`language` is the ISO 639-1 code the text (or a voice note's transcript) was read in: "en" for the
English model, another code for the multilingual one (the model itself is in `model_version`).
NULL for moods told without words (the correction buttons, SAM ratings) and for reports written
before languages were told apart (all of them read by the English model).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mood_report") as batch:
        batch.add_column(sa.Column("language", sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mood_report") as batch:
        batch.drop_column("language")
