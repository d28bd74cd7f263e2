"""Initial schema: companies, Web Connector users and runs, the request queue and its
log, identity mappings, watermarks, console users, audit trail and job leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('company_file', sa.String(length=500), nullable=False),
    sa.Column('qbxml_version', sa.String(length=8), nullable=False),
    sa.Column('every_minutes', sa.Integer(), nullable=False),
    sa.Column('every_seconds', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.String(length=38), nullable=False),
    sa.Column('approval_required', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('qb_product', sa.String(length=200), nullable=True),
    sa.Column('qb_country', sa.String(length=4), nullable=True),
    sa.Column('qb_supported_versions', sa.String(length=200), nullable=True),
    sa.Column('negotiated_version', sa.String(length=8), nullable=True),
    sa.Column('multi_site_enabled', sa.Boolean(), nullable=True),
    sa.Column('multi_currency_enabled', sa.Boolean(), nullable=True),
    sa.Column('class_tracking_enabled', sa.Boolean(), nullable=True),
    sa.Column('closing_date', sa.Date(), nullable=True),
    sa.Column('home_currency', sa.String(length=64), nullable=True),
    sa.Column('qb_file_id_seen', sa.String(length=38), nullable=True),
    sa.Column('last_session_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('job_leases',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('web_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('message_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('ticket', sa.String(length=64), nullable=False),
    sa.Column('message_set_id', sa.String(length=23), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('writes', sa.Boolean(), nullable=False),
    sa.Column('qbxml_version', sa.String(length=8), nullable=False),
    sa.Column('request_xml', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('elapsed_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_set_id')
    )
    op.create_index('ix_message_sets_company_state', 'message_sets', ['company_id', 'state'], unique=False)
    op.create_index(op.f('ix_message_sets_state'), 'message_sets', ['state'], unique=False)
    op.create_index(op.f('ix_message_sets_ticket'), 'message_sets', ['ticket'], unique=False)
    op.create_table('qbwc_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('site_quantities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('item_list_id', sa.String(length=64), nullable=True),
    sa.Column('item_name', sa.String(length=255), nullable=False),
    sa.Column('site_name', sa.String(length=64), nullable=False),
    sa.Column('quantity_on_hand', sa.Numeric(precision=18, scale=5), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'item_name', 'site_name')
    )
    op.create_table('watermarks',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('updated_at_value', sa.String(length=32), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('company_id', 'entity')
    )
    op.create_table('requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=True),
    sa.Column('magento_id', sa.String(length=64), nullable=True),
    sa.Column('magento_ref', sa.String(length=64), nullable=True),
    sa.Column('document_hash', sa.String(length=64), nullable=True),
    sa.Column('changed_after_post', sa.Boolean(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('body_xml', sa.Text(), nullable=True),
    sa.Column('request_xml', sa.Text(), nullable=True),
    sa.Column('response_xml', sa.Text(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts_count', sa.Integer(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('status_severity', sa.String(length=16), nullable=True),
    sa.Column('status_message', sa.Text(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('waiting_reason', sa.Text(), nullable=True),
    sa.Column('qb_id', sa.String(length=64), nullable=True),
    sa.Column('qb_ref', sa.String(length=200), nullable=True),
    sa.Column('qb_edit_sequence', sa.String(length=32), nullable=True),
    sa.Column('lookup_reason', sa.String(length=32), nullable=True),
    sa.Column('iterator_id', sa.String(length=64), nullable=True),
    sa.Column('iterator_remaining', sa.Integer(), nullable=True),
    sa.Column('message_set_pk', sa.Integer(), nullable=True),
    sa.Column('ticket', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['message_set_pk'], ['message_sets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'idempotency_key', name='uq_requests_company_key')
    )
    op.create_index('ix_requests_claim', 'requests', ['company_id', 'status', 'priority', 'id'], unique=False)
    op.create_index('ix_requests_company_status', 'requests', ['company_id', 'status'], unique=False)
    op.create_index('ix_requests_magento_ref', 'requests', ['magento_ref'], unique=False)
    op.create_index(op.f('ix_requests_message_set_pk'), 'requests', ['message_set_pk'], unique=False)
    op.create_index(op.f('ix_requests_qb_id'), 'requests', ['qb_id'], unique=False)
    op.create_table('wc_sessions',
    sa.Column('ticket', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_call_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_version', sa.String(length=40), nullable=True),
    sa.Column('company_file_name', sa.String(length=500), nullable=True),
    sa.Column('qbxml_version', sa.String(length=8), nullable=True),
    sa.Column('qb_product', sa.String(length=200), nullable=True),
    sa.Column('hcp_parsed', sa.Boolean(), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.Column('succeeded_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('noop_count', sa.Integer(), nullable=False),
    sa.Column('initial_work', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('hresult', sa.String(length=20), nullable=True),
    sa.Column('connection_retries', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('open_company_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['qbwc_users.id'], ),
    sa.PrimaryKeyConstraint('ticket'),
    sa.UniqueConstraint('open_company_id')
    )
    op.create_index(op.f('ix_wc_sessions_company_id'), 'wc_sessions', ['company_id'], unique=False)
    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('ticket', sa.String(length=64), nullable=True),
    sa.Column('message_set_id', sa.String(length=23), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('status_severity', sa.String(length=16), nullable=True),
    sa.Column('status_message', sa.Text(), nullable=True),
    sa.Column('hresult', sa.String(length=20), nullable=True),
    sa.Column('request_xml', sa.Text(), nullable=True),
    sa.Column('response_xml', sa.Text(), nullable=True),
    sa.Column('bodies_purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_attempts_message_set_id'), 'attempts', ['message_set_id'], unique=False)
    op.create_index(op.f('ix_attempts_request_id'), 'attempts', ['request_id'], unique=False)
    op.create_table('mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('magento_id', sa.String(length=255), nullable=False),
    sa.Column('magento_ref', sa.String(length=255), nullable=True),
    sa.Column('qb_type', sa.String(length=64), nullable=True),
    sa.Column('qb_id', sa.String(length=64), nullable=True),
    sa.Column('qb_name', sa.String(length=255), nullable=True),
    sa.Column('edit_sequence', sa.String(length=32), nullable=True),
    sa.Column('document_hash', sa.String(length=64), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('txn_date', sa.Date(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'entity_type', 'magento_id', name='uq_mappings_identity')
    )
    op.create_index('ix_mappings_qb_id', 'mappings', ['company_id', 'qb_id'], unique=False)
    op.create_table('request_dependencies',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('depends_on_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['depends_on_id'], ['requests.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('request_id', 'depends_on_id')
    )
    op.create_index(op.f('ix_request_dependencies_depends_on_id'), 'request_dependencies', ['depends_on_id'], unique=False)
    op.create_table('request_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_request_transitions_request_id'), 'request_transitions', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_request_transitions_request_id'), table_name='request_transitions')
    op.drop_table('request_transitions')
    op.drop_index(op.f('ix_request_dependencies_depends_on_id'), table_name='request_dependencies')
    op.drop_table('request_dependencies')
    op.drop_index('ix_mappings_qb_id', table_name='mappings')
    op.drop_table('mappings')
    op.drop_index(op.f('ix_attempts_request_id'), table_name='attempts')
    op.drop_index(op.f('ix_attempts_message_set_id'), table_name='attempts')
    op.drop_table('attempts')
    op.drop_index(op.f('ix_wc_sessions_company_id'), table_name='wc_sessions')
    op.drop_table('wc_sessions')
    op.drop_index(op.f('ix_requests_qb_id'), table_name='requests')
    op.drop_index(op.f('ix_requests_message_set_pk'), table_name='requests')
    op.drop_index('ix_requests_magento_ref', table_name='requests')
    op.drop_index('ix_requests_company_status', table_name='requests')
    op.drop_index('ix_requests_claim', table_name='requests')
    op.drop_table('requests')
    op.drop_table('watermarks')
    op.drop_table('site_quantities')
    op.drop_table('qbwc_users')
    op.drop_index(op.f('ix_message_sets_ticket'), table_name='message_sets')
    op.drop_index(op.f('ix_message_sets_state'), table_name='message_sets')
    op.drop_index('ix_message_sets_company_state', table_name='message_sets')
    op.drop_table('message_sets')
    op.drop_table('web_users')
    op.drop_table('meta')
    op.drop_table('job_leases')
    op.drop_table('companies')
    op.drop_table('audit_events')
