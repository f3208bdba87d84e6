"""An enforcement action's status while a bulk operation carries it out, and after.

The action records which step it is in ("applying" a disable or key revocation, "restoring" a
project) and which operation carries it out; everything after that follows from the operation:

    action_status("applying", "partial")  == "partial"
    action_status("restoring", "succeeded") == "restored"

so a retry of the operation to success shows the action applied, with nothing copied back.
"""

from __future__ import annotations

APPLYING, RESTORING = "applying", "restoring"
STEPS = (APPLYING, RESTORING)
# What an operation that has ended means for the step it carried out.
_ENDED = {
    APPLYING: {"succeeded": "applied", "partial": "partial", "failed": "failed"},
    RESTORING: {"succeeded": "restored", "partial": "restore-failed", "failed": "restore-failed"},
}


def action_status(step: str, operation_status: str | None) -> str:
    """The status of an action in `step` whose operation is `operation_status` (None: no
    operation, or it has not ended: still in the step)."""
    if step not in _ENDED or operation_status is None:
        return step
    return _ENDED[step].get(operation_status, step)
