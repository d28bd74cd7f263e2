"""The overdue banner's question, each company's latest Web Connector call, answered from
an index instead of a scan of every run.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_wc_sessions_company_last_call", "wc_sessions",
                    ["company_id", "last_call_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wc_sessions_company_last_call", table_name="wc_sessions")
