"""Every status name the app knows, in one place.

Pairs move between the four review statuses (``deleted`` is a soft delete any other status
restores); conversations carry where the splitter got with them; jobs and runs say how long
work went.
"""

from __future__ import annotations

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
DELETED = "deleted"

PAIR_STATUSES: tuple[str, ...] = (PENDING, APPROVED, REJECTED, DELETED)

# Conversations: has the splitter been over it, and how did that go.
SPLIT_PENDING = "pending"
SPLIT_DONE = "split"
SPLIT_FAILED = "failed"
SPLIT_STATUSES: tuple[str, ...] = (SPLIT_PENDING, SPLIT_DONE, SPLIT_FAILED)

# Filter value meaning "every status" (the Review page's first choice).
ALL = "all"
