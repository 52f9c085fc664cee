from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        from payments import (  # noqa: F401  (dj-stripe receivers; Celery tasks)
            inbox,
            webhooks,
        )
