"""Attempts found by their run's ticket: what closeConnection and getLastError report on
a refused message set is read without visiting every attempt ever made. Message sets
found by ticket and state: the set a receiveResponseXML settles is found without
visiting every set its run has sent.

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
    op.create_index("ix_message_sets_ticket_state", "message_sets", ["ticket", "state"],
                    unique=False)
    op.drop_index("ix_message_sets_ticket", table_name="message_sets")


def downgrade() -> None:
    op.create_index("ix_message_sets_ticket", "message_sets", ["ticket"], unique=False)
    op.drop_index("ix_message_sets_ticket_state", table_name="message_sets")
    op.drop_index("ix_attempts_ticket", table_name="attempts")
