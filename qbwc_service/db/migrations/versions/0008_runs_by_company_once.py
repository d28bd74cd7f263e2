"""Web Connector runs indexed by company once: ``ix_wc_sessions_company_last_call``
(company, last call) already serves every look-up by company, so the index on the company
alone only cost space and a write per new run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_wc_sessions_company_id", table_name="wc_sessions")


def downgrade() -> None:
    op.create_index("ix_wc_sessions_company_id", "wc_sessions", ["company_id"], unique=False)
