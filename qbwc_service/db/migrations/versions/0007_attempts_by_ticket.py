"""Attempts found by their run's ticket: what closeConnection and getLastError report on
a refused message set is read without visiting every attempt ever made.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attempts_ticket", "attempts", ["ticket"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_attempts_ticket", table_name="attempts")
