"""Initial schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
from alembic import op

from qbwc_service.db.models import Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Provisional while the schema settles; replaced by explicit DDL before release.
    Base.metadata.create_all(op.get_bind())


def downgrade() -> None:
    Base.metadata.drop_all(op.get_bind())
