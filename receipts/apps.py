from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "receipts"

    def ready(self) -> None:
        from payments.signals import payment_succeeded
        from receipts import checks, receivers, tasks  # noqa: F401 (tasks: registers them)

        payment_succeeded.connect(
            receivers.start_receipt_on_success, dispatch_uid="receipts.start_receipt_on_success"
        )
        checks.register()
