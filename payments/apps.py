from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        from payments import webhooks  # noqa: F401  (connects the dj-stripe receivers)
