from shared.domain.errors import AlreadyExists, InvalidInput, Unauthenticated


class UserExists(AlreadyExists):
    code = "user-exists"
    title = "A user with this email exists already"


class InvalidUser(InvalidInput):
    code = "invalid-user"
    title = "Invalid user"


class SignInRefused(Unauthenticated):
    """Wrong email or password, or locked out: the page says which only as far as is safe."""

    code = "sign-in-refused"
    title = "Wrong email or password"
