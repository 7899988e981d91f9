"""Attachments: files (photos, scans, PDFs) on the records of models with __attachments__.

One table for every record type, keyed by (resource, record_id); the files themselves are
on disk under TONGXIN_UPLOAD_DIR, by storage key. Every constraint is named.

Revision ID: 2efef3dd627d
Revises: 3b7b7bd89869
Create Date: 2026-11-25 06:57:07.277176

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2efef3dd627d'
down_revision = '3b7b7bd89869'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('thumb_key', sa.String(length=64), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['ab_user.id'], name='fk_attachment_uploaded_by_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name='pk_attachment'),
    sa.UniqueConstraint('storage_key', name='uq_attachment_storage_key')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_resource_record', ['resource', 'record_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_resource_record')

    op.drop_table('attachment')
