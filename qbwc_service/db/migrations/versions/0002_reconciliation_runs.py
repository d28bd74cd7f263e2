"""Reconciliation runs and their lines: QuickBooks' read-back answers and the comparison.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("schedule_key", sa.String(length=40), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=64), nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("variance_count", sa.Integer(), nullable=False),
        sa.Column("not_posted_count", sa.Integer(), nullable=False),
        sa.Column("anomaly_count", sa.Integer(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "schedule_key", name="uq_reconciliation_runs_schedule"),
    )
    op.create_index("ix_reconciliation_runs_company_period", "reconciliation_runs",
                    ["company_id", "date_to", "id"], unique=False)
    op.create_table(
        "reconciliation_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("qb_type", sa.String(length=64), nullable=True),
        sa.Column("qb_id", sa.String(length=64), nullable=True),
        sa.Column("qb_ref", sa.String(length=255), nullable=True),
        sa.Column("magento_ref", sa.String(length=255), nullable=True),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("magento_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("quickbooks_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["reconciliation_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "kind", "qb_id", name="uq_reconciliation_lines_answer"),
    )
    op.create_index("ix_reconciliation_lines_run_kind_day", "reconciliation_lines",
                    ["run_id", "kind", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reconciliation_lines_run_kind_day", table_name="reconciliation_lines")
    op.drop_table("reconciliation_lines")
    op.drop_index("ix_reconciliation_runs_company_period", table_name="reconciliation_runs")
    op.drop_table("reconciliation_runs")
