"""subscription consent: where each subscription's consent came from, and when

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # Rows from before consent was recorded keep NULL: "not recorded" is the honest answer.
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("consent_source", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("consent_note", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("consent_note")
        batch.drop_column("consent_at")
        batch.drop_column("consent_source")
