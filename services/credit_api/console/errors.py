class SignInNeeded(Exception):
    """A console page asked for without a session: the browser is sent to sign in, then back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path
