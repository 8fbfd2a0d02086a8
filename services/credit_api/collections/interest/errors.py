from shared.domain.errors import Conflict, NotFound


class NoInterestClaim(NotFound):
    code = "no-interest-claim"
    title = "The invoice owes no late interest"


class InterestStillRunning(Conflict):
    code = "interest-still-running"
    title = "The invoice is still open: its interest is still running"


class InterestClaimClosed(Conflict):
    code = "interest-claim-closed"
    title = "The interest claim is waived or invoiced already"
