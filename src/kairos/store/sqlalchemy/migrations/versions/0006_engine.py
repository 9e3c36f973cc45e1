"""jobs.crashes: how often a job's worker vanished under it

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A crash is not the task's failure, so it is counted apart from `attempt` and capped on its
    # own (domain/finish.py: CRASH_LIMIT).
    op.add_column("jobs", sa.Column("crashes", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("crashes")
