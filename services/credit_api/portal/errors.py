class PortalPage(Exception):
    """A page that says why the portal cannot do what was asked (refused link, not found, too large,
    too many requests), with its HTTP status."""

    def __init__(self, status: int, title: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.headers = status, title, message, headers or {}
