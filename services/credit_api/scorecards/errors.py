from shared.domain.errors import Conflict, NotFound


class ScorecardNotFound(NotFound):
    code = "scorecard-not-found"
    title = "No such scorecard version"


class ScorecardVersionTaken(Conflict):
    code = "scorecard-version-taken"
    title = "Scorecard version already holds another configuration"
