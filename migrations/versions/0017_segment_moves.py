"""segment moves: members into and out of each RFM segment, written by triggers on member_stats

The dashboard's segment sizes are the sums of these moves (folded into one row per segment nightly) instead of a
count over every member's stats. SQLite writes a move per changed row; PostgreSQL one per segment per statement,
from the statement's transition tables. The table starts with the current sizes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER member_stats_segment_in AFTER INSERT ON member_stats
    BEGIN INSERT INTO segment_moves (segment, members) VALUES (NEW.segment, 1); END""",
    """CREATE TRIGGER member_stats_segment_out AFTER DELETE ON member_stats
    BEGIN INSERT INTO segment_moves (segment, members) VALUES (OLD.segment, -1); END""",
    """CREATE TRIGGER member_stats_segment_moved AFTER UPDATE OF segment ON member_stats
    WHEN OLD.segment <> NEW.segment
    BEGIN INSERT INTO segment_moves (segment, members) VALUES (OLD.segment, -1), (NEW.segment, 1); END""",
)
# One function per event: a trigger with transition tables handles one event, and each sees only its own tables.
POSTGRESQL_MOVES = {
    "in": "SELECT segment, count(*) FROM new_rows GROUP BY segment",
    "out": "SELECT segment, -count(*) FROM old_rows GROUP BY segment",
    "moved": """SELECT segment, sum(members) FROM (
            SELECT segment, -1 AS members FROM old_rows UNION ALL SELECT segment, 1 FROM new_rows
        ) AS moves GROUP BY segment HAVING sum(members) <> 0""",
}
POSTGRESQL_EVENTS = {
    "in": "INSERT ON member_stats REFERENCING NEW TABLE AS new_rows",
    "out": "DELETE ON member_stats REFERENCING OLD TABLE AS old_rows",
    "moved": "UPDATE ON member_stats REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def upgrade() -> None:
    op.create_table(
        "segment_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.CheckConstraint("members <> 0", name=op.f("ck_segment_moves_a_move")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_moves")),
    )
    op.execute(
        "INSERT INTO segment_moves (segment, members) SELECT segment, count(*) FROM member_stats GROUP BY segment"
    )
    if op.get_bind().dialect.name == "postgresql":
        for event, moves in POSTGRESQL_MOVES.items():
            op.execute(
                f"""CREATE FUNCTION member_stats_segment_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO segment_moves (segment, members) {moves};
                    RETURN NULL;
                END $$"""
            )
            op.execute(
                f"""CREATE TRIGGER member_stats_segment_{event} AFTER {POSTGRESQL_EVENTS[event]}
                FOR EACH STATEMENT EXECUTE FUNCTION member_stats_segment_{event}()"""
            )
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in POSTGRESQL_MOVES:
        op.execute(f"DROP TRIGGER member_stats_segment_{event}" + (" ON member_stats" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION member_stats_segment_{event}()")
    op.drop_table("segment_moves")
