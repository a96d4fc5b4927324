"""The two-person rule: notices that wait, as composed, for a second staff member."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from storage.audience import Audience
from storage.content import audit
from storage.db import Database
from storage.models import from_iso, to_iso
from storage.notices import NoticeDraft

ApprovalState = Literal["waiting", "approved", "rejected", "expired"]
_COLUMNS = "id, author_id, draft, recipients, state, decided_by, decided_at, notice_id, created_at"


@dataclass(frozen=True, slots=True)
class Approval:
    """A composed notice and what became of the request to approve it."""

    id: int
    author_id: int
    draft: NoticeDraft
    recipients: int
    state: ApprovalState
    decided_by: int | None
    decided_at: datetime | None
    notice_id: int | None
    created_at: datetime


def dump_draft(draft: NoticeDraft) -> str:
    """The draft as stored: every field, the audience as lists."""
    return json.dumps(asdict(draft), ensure_ascii=False)


def load_draft(text: str) -> NoticeDraft:
    """A stored draft; fields it does not carry (stored by an older version) keep defaults."""
    data: dict[str, Any] = json.loads(text)
    aud = data.pop("audience", {}) or {}
    audience = Audience(
        countries=tuple(aud.get("countries") or ()),
        statuses=tuple(aud.get("statuses") or ()),
        needs=tuple(aud.get("needs") or ()),
        city=aud.get("city"),
    )
    known = set(NoticeDraft.__dataclass_fields__) - {"audience"}
    return NoticeDraft(audience=audience, **{k: v for k, v in data.items() if k in known})


def _approval(row: Any) -> Approval:
    return Approval(
        id=row["id"],
        author_id=row["author_id"],
        draft=load_draft(row["draft"]),
        recipients=row["recipients"],
        state=row["state"],
        decided_by=row["decided_by"],
        decided_at=from_iso(row["decided_at"]) if row["decided_at"] else None,
        notice_id=row["notice_id"],
        created_at=from_iso(row["created_at"]),
    )


class ApprovalRepo:
    """Reads and writes `approvals`; every step is audited in the same transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, draft: NoticeDraft, author_id: int, recipients: int, now: datetime
    ) -> Approval:
        """Store a notice waiting for approval."""
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO approvals (author_id, draft, countries, recipients, created_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (author_id, dump_draft(draft), ",".join(draft.audience.countries), recipients,
                 stamp),
            )  # fmt: skip
            approval_id = int((await cur.fetchone())[0])
            await audit(
                conn, stamp, author_id, "approval.request",
                {"approval": approval_id, "countries": list(draft.audience.countries) or "all",
                 "recipients": recipients, "urgent": draft.urgent, "schedule": draft.schedule},
            )  # fmt: skip
        found = await self.get(approval_id)
        if found is None:
            raise RuntimeError("approval vanished after insert")
        return found

    async def get(self, approval_id: int) -> Approval | None:
        """One request."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM approvals WHERE id = ?", (approval_id,)
        )
        return _approval(row) if row else None

    async def waiting(self, limit: int = 20) -> list[Approval]:
        """Requests still waiting, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM approvals WHERE state = 'waiting' ORDER BY id LIMIT ?",
            (limit,),
        )
        return [_approval(r) for r in rows]

    async def decide(
        self, approval_id: int, actor_id: int, approve: bool, now: datetime
    ) -> Approval | None:
        """Approve or reject a waiting request; None if it is not waiting or is the actor's own
        (a self-approval is refused here too, whatever the caller checked)."""
        stamp = to_iso(now)
        state = "approved" if approve else "rejected"
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ? WHERE id = ?"
                " AND state = 'waiting' AND author_id != ?",
                (state, actor_id, stamp, approval_id, actor_id),
            )
            if cur.rowcount == 0:
                return None
            await audit(conn, stamp, actor_id, f"approval.{state}", {"approval": approval_id})
        return await self.get(approval_id)

    async def refused(self, approval_id: int, actor_id: int, reason: str, now: datetime) -> None:
        """Record a refused attempt (the author approving their own notice)."""
        async with self.db.transaction() as conn:
            await audit(
                conn, to_iso(now), actor_id, "approval.refused",
                {"approval": approval_id, "reason": reason},
            )  # fmt: skip

    async def link(self, approval_id: int, notice_id: int | None, now: datetime) -> None:
        """The notice an approval became, or 'expired' when its time had passed meanwhile."""
        async with self.db.transaction() as conn:
            if notice_id is None:
                await conn.execute(
                    "UPDATE approvals SET state = 'expired' WHERE id = ?", (approval_id,)
                )
                await audit(conn, to_iso(now), None, "approval.expired", {"approval": approval_id})
            else:
                await conn.execute(
                    "UPDATE approvals SET notice_id = ? WHERE id = ?", (notice_id, approval_id)
                )
