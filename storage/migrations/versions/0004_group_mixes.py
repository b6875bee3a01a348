"""group mixes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:22:31.495526
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_mix",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chat.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("group_mix", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_mix_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_mix_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_mix_started_by_id"), ["started_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_group_mix_status"), ["status"], unique=False)

    op.create_table(
        "group_mix_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mix_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mood_report_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mix_id"],
            ["group_mix.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mood_report_id"],
            ["mood_report.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mix_id", "user_id", name="uq_mix_member"),
    )
    with op.batch_alter_table("group_mix_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_mix_member_mix_id"), ["mix_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_mix_member_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_mix_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_mix_member_user_id"))
        batch_op.drop_index(batch_op.f("ix_group_mix_member_mix_id"))

    op.drop_table("group_mix_member")
    with op.batch_alter_table("group_mix", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_mix_status"))
        batch_op.drop_index(batch_op.f("ix_group_mix_started_by_id"))
        batch_op.drop_index(batch_op.f("ix_group_mix_due_at"))
        batch_op.drop_index(batch_op.f("ix_group_mix_chat_id"))

    op.drop_table("group_mix")
