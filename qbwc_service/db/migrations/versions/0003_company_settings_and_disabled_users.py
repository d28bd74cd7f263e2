"""A company's own closing-date policy; Web Connector and console users can be disabled.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("closing_date_policy", sa.String(length=32), nullable=True))
    with op.batch_alter_table("qbwc_users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("web_users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_users") as batch:
        batch.drop_column("disabled_at")
    with op.batch_alter_table("qbwc_users") as batch:
        batch.drop_column("disabled_at")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("closing_date_policy")
