"""Look-ups by the names people type, shared by every layer above the models."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company

__all__ = ["UnknownCompany", "company_named"]


class UnknownCompany(LookupError):
    """No company file has the name typed; ``str(error)`` says so and where to look."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no company named {name!r}; see `qbwc-service company list`")
        self.name = name


def company_named(session: Session, name: str, *, or_id: bool = False) -> Company:
    """The company called ``name`` (with ``or_id``, a number names its id when no company
    has that name); :class:`UnknownCompany` when there is none."""
    company = session.scalars(select(Company).where(Company.name == name)).first()
    if company is None and or_id and name.isdigit():
        company = session.get(Company, int(name))
    if company is None:
        raise UnknownCompany(name)
    return company
