from shared.domain.errors import Conflict, Forbidden, NotFound


class PortalOff(Conflict):
    code = "portal-off"
    title = "The customer portal is off"


class PortalLinkNotFound(NotFound):
    code = "portal-link-not-found"
    title = "Portal link not found"


class LinkRefused(Forbidden):
    """`reason`: tampered (not a link we signed), expired or revoked; the portal says what to do."""

    code = "portal-link-refused"
    title = "Portal link refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the link is {reason}", reason=reason)
        self.reason = reason
