"""The demand lifecycle as data: which moves exist and who may make them. No Django import.

A capacity is what the acting user is with respect to one demand:
- "owner": a member of the demander organisation;
- "office": the programme office;
- "district": the officer of the area the demand is in.
"""

from __future__ import annotations

DRAFT, SUBMITTED, IN_REVIEW, RETURNED, PUBLISHED = (
    "draft",
    "submitted",
    "in_review",
    "returned",
    "published",
)
IN_TALKS, PILOT, DEPLOYED, PROMOTED, CLOSED = "in_talks", "pilot", "deployed", "promoted", "closed"

OWNER, OFFICE, DISTRICT = "owner", "office", "district"

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (DRAFT, SUBMITTED): frozenset({OWNER}),
    (RETURNED, SUBMITTED): frozenset({OWNER}),
    (SUBMITTED, IN_REVIEW): frozenset({OFFICE, DISTRICT}),
    (SUBMITTED, RETURNED): frozenset({OFFICE, DISTRICT}),
    (IN_REVIEW, PUBLISHED): frozenset({OFFICE}),
    (IN_REVIEW, RETURNED): frozenset({OFFICE, DISTRICT}),
    (PUBLISHED, IN_TALKS): frozenset({OWNER, OFFICE}),
    (IN_TALKS, PILOT): frozenset({OWNER, OFFICE}),
    (PILOT, DEPLOYED): frozenset({OWNER, OFFICE}),
    (DEPLOYED, PROMOTED): frozenset({OFFICE}),
}
for _status in (DRAFT, SUBMITTED, RETURNED, IN_REVIEW, PUBLISHED, IN_TALKS, PILOT, DEPLOYED):
    TRANSITIONS[(_status, CLOSED)] = frozenset({OWNER, OFFICE})

# Moves that need a note saying why (shown to the demander).
NOTE_REQUIRED = {
    (SUBMITTED, RETURNED),
    (IN_REVIEW, RETURNED),
    (PUBLISHED, CLOSED),
    (IN_TALKS, CLOSED),
    (PILOT, CLOSED),
    (DEPLOYED, CLOSED),
}


def exists(current: str, target: str) -> bool:
    """True when the lifecycle has a move from `current` to `target` at all."""
    return (current, target) in TRANSITIONS


def allowed(current: str, target: str, capacities: set[str]) -> bool:
    """True when one of the actor's capacities may make this move."""
    return bool(TRANSITIONS.get((current, target), frozenset()) & capacities)


def targets(current: str, capacities: set[str]) -> list[str]:
    """The statuses the actor may move a demand to from `current`, in lifecycle order."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and who & capacities]
