"""the language a person reads replies in

`language` is the one they chose with /language (NULL: follow their app); `platform_language` the
one their app last reported (Telegram's language_code, Discord's locale), so check-ins sent outside
an update speak it too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:50:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql import sqltypes

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("language", sqltypes.AutoString(length=16), nullable=True))
        batch.add_column(
            sa.Column("platform_language", sqltypes.AutoString(length=16), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("platform_language")
        batch.drop_column("language")
