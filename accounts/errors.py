from config.errors import AppError


class EmailTaken(AppError):
    def __init__(self) -> None:
        super().__init__(
            message="An account with this e-mail address already exists.",
            code="email_taken",
            status=400,
            suggestion="Log in instead, or use another e-mail address.",
        )


class InvalidCredentials(AppError):
    def __init__(self) -> None:
        super().__init__(
            message="The e-mail address or password is incorrect.",
            code="invalid_credentials",
            status=401,
            suggestion="Check the e-mail address and password, then try again.",
        )
