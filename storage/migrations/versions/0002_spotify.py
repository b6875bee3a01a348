"""spotify credentials and track matches

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spotify_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot", sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("spotify_user_id", sqltypes.AutoString(length=128), nullable=False),
        sa.Column("display_name", sqltypes.AutoString(length=256), nullable=True),
        sa.Column("scope", sqltypes.AutoString(length=512), nullable=False),
        sa.Column("refresh_token_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slot"),
    )
    with op.batch_alter_table("spotify_credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spotify_credential_owner_user_id"), ["owner_user_id"], unique=False
        )

    op.create_table(
        "spotify_track_match",
        sa.Column("query_key", sqltypes.AutoString(length=512), nullable=False),
        sa.Column("spotify_id", sqltypes.AutoString(length=64), nullable=True),
        sa.Column("searched_at", sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("query_key"),
    )


def downgrade() -> None:
    op.drop_table("spotify_track_match")
    with op.batch_alter_table("spotify_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spotify_credential_owner_user_id"))

    op.drop_table("spotify_credential")
