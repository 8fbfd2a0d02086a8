from __future__ import annotations

from shared.domain.errors import InvalidInput


class NotReplayable(InvalidInput):
    """A dead letter that is not a JSON event: sent back, it could only fail the same way."""

    code = "not-replayable"
    title = "Dead letter cannot be replayed"
