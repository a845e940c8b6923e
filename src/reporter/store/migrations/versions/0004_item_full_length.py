"""items.full_length: the length of an entry's text before it was cut to settings.max_entry_chars

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:00

Adds one nullable column: every stored item stays as it is, with NULL (its text was stored whole, or
it was stored before the cut was recorded). Items cut from now on keep their full length here, so
`reporter analyze` and the report's JSON (`decisions`, `left_out`) can say that they were cut.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_length", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("full_length")
