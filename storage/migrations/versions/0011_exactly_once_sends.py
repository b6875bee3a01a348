"""exactly-once sends: delayed Spotify playlists in a table; a mix keeps its replies until sent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:00:00

A group mix whose playlist could not be sent was closed all the same, and its members were asked
check-in questions about a playlist they never got. A closing mix now keeps the replies it still
has to deliver (`group_mix.reply`, JSON), so a retry after its lease sends those, not a second
playlist. Delayed Spotify playlists lived in memory, lost on a restart with their half-filled
playlists; now each is a `deferred_playlist` row, claimed like a check-in. Check-in states grew
("asking", "maybe-sent") within the existing status column.
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_mix", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=True))
    op.create_table(
        "deferred_playlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("account", sqltypes.AutoString(length=32), nullable=False),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.Column("playlist_id", sqltypes.AutoString(length=64), nullable=True),
        sa.Column("playlist_url", sqltypes.AutoString(length=512), nullable=True),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("problem", sqltypes.AutoString(length=256), nullable=True),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket"),
    )
    with op.batch_alter_table("deferred_playlist", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deferred_playlist_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_deferred_playlist_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_table("deferred_playlist")
    with op.batch_alter_table("group_mix", schema=None) as batch_op:
        batch_op.drop_column("reply")
