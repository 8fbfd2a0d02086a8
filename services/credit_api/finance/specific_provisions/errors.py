from shared.domain.errors import NotFound


class NoSpecificProvision(NotFound):
    code = "no-specific-provision"
    title = "The customer has no specific provision"
