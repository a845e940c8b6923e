"""story_vectors: the story vectors of tellings a build cut from items, kept for the next build

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:00:00

A new table only: nothing stored changes. Builds fill it as they embed and MinHash the tellings they cut
from items (an item's whole-text vector stays in its analysis record), so a rebuild of the same month
reads every vector and signature and loads neither WordLlama nor datasketch. Rows are keyed by the
text and the library that made them, so a stale row is never read: it is simply not asked for.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "story_vectors",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_story_vectors")),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("story_vectors")
