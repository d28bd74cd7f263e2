"""Console second pass: document facts on requests (customer, amount, currency, document
date) for the request log's columns and filters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("customer_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("document_date", sa.Date(), nullable=True))
        batch.create_index("ix_requests_document_date", ["document_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("ix_requests_document_date")
        batch.drop_column("document_date")
        batch.drop_column("currency")
        batch.drop_column("amount")
        batch.drop_column("customer_name")
