"""a music video link per song

A catalog can name each song's music video (a CSV `video_url` column); songs without one get a video
search link built from artist and title when a playlist is rendered, so the column stays empty for
them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("song") as batch:
        batch.add_column(sa.Column("video_url", sqltypes.AutoString(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("song") as batch:
        batch.drop_column("video_url")
