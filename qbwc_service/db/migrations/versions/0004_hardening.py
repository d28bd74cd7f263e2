"""Hardening: released tickets, console session generation, per-address login failures,
the Magento customer of each request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wc_sessions") as batch:
        batch.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("web_users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("magento_customer_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_requests_magento_customer_id", ["magento_customer_id"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_login_failures_user_key", "login_failures", ["user_key"])
    op.create_index("ix_login_failures_last_failure_at", "login_failures", ["last_failure_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_last_failure_at", table_name="login_failures")
    op.drop_index("ix_login_failures_user_key", table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("ix_requests_magento_customer_id")
        batch.drop_column("magento_customer_id")
    with op.batch_alter_table("web_users") as batch:
        batch.drop_column("session_generation")
    with op.batch_alter_table("wc_sessions") as batch:
        batch.drop_column("released_at")
