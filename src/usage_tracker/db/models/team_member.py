from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base


class TeamMember(Base):
    """A project, user or API key that belongs to a team."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "kind", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # project | user | key
    member_id: Mapped[str] = mapped_column(String(64))
