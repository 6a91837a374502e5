"""Take one row for this worker, so that replicas sharing a database never run the same job twice.

PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so replicas pass over rows another one is taking. SQLite has no row
locks: an UPDATE that repeats the claimable condition is atomic, and a lost race updates no row.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from app.integration.tables import utcnow

Claimable = Callable[[datetime], ColumnElement[bool]]


def claim(session: Session, model, claimable: Claimable, worker: str, lease_s: float, values: dict):
    """The oldest claimable row of `model`, now leased to `worker` with `values` set; None when there is none."""
    now = utcnow()
    claimed = {"worker": worker, "lease_until": now + timedelta(seconds=lease_s), **values}
    query = select(model.id).where(claimable(now)).order_by(model.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        row_id = session.scalars(query.with_for_update(skip_locked=True)).first()
        if row_id is None:
            session.rollback()
            return None
        session.execute(update(model).where(model.id == row_id).values(**claimed))
    else:
        row_id = session.scalars(query).first()
        if row_id is None:
            return None
        result = session.execute(update(model).where(model.id == row_id, claimable(now)).values(**claimed))
        if result.rowcount != 1:  # another worker took it between the SELECT and the UPDATE
            session.rollback()
            return None
    session.commit()
    return session.get(model, row_id, populate_existing=True)
