"""The base of every domain error that reaches a client.

Services raise subclasses (in each app's `errors.py`); the API exception handler turns them into
the one error shape. They carry no HTTP or DRF types beyond a status number.
"""

from dataclasses import dataclass, field


@dataclass
class AppError(Exception):
    message: str
    code: str = "bad_request"
    status: int = 400
    retryable: bool = False
    suggestion: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
