from __future__ import annotations

from shared.domain.errors import Conflict


class DunningRunBusy(Conflict):
    code = "dunning-run-busy"
    title = "A dunning run is under way"
