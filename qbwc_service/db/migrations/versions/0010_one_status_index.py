"""Requests keep one index on company and status: ``ix_requests_company_status`` repeated
the leading columns of ``ix_requests_claim``, which serves every look-up it served, and
every move of a request to another status (two per answer: sent, then settled) rewrote an
entry in both.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_requests_company_status", table_name="requests")


def downgrade() -> None:
    op.create_index("ix_requests_company_status", "requests", ["company_id", "status"],
                    unique=False)
