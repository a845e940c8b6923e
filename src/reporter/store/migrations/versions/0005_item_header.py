"""items.header: what sniff read in a seed's first lines at ingest, so analysis does not read them again

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:10:00

Adds one nullable column (JSON text): every stored item stays as it is, with NULL, and analysis reads
the first lines of such an item itself, as it did before. Seeds ingested from now on carry the header
(date line, outlet, byline, dateline, where the body starts), so `sniff()` runs once per item.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("header", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("header")
