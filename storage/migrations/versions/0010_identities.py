"""identities: shared rows outlive a forgotten person; single-use Spotify link states

A group mix's recommendation (and the mix itself) stays when the member it was made for is
forgotten: its person and mood report become empty, and the other members keep their answers,
check-ins and reactions. `spotify_link_state` holds the one OAuth state a person may complete.
`user.playlist_mood_titles`: the person chose playlist names that carry the mood.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "playlist_mood_titles", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("mood_report_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("group_mix", schema=None) as batch_op:
        batch_op.alter_column("started_by_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "spotify_link_state",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    # Refused (NOT NULL) while detached rows exist: a forgotten person's rows cannot come back.
    op.drop_table("spotify_link_state")
    with op.batch_alter_table("group_mix", schema=None) as batch_op:
        batch_op.alter_column("started_by_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.alter_column("mood_report_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("playlist_mood_titles")
