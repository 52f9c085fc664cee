"""Demo data for `make run`: a back-office admin and a learner, with credentials printed.

Development only: the passwords are fixed and public, so the command refuses to run in production.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

DEMO_USERS = (
    {"email": "admin@coursepay.local", "password": "coursepay-admin", "name": "Demo Admin"},
    {"email": "learner@coursepay.local", "password": "coursepay-learner", "name": "Demo Learner"},
)


class Command(BaseCommand):
    help = "Create the demo admin and learner (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.STRIPE_LIVE_MODE or not settings.DEBUG:
            raise CommandError("seed_demo only runs in development (DEBUG on, Stripe test mode).")
        for index, spec in enumerate(DEMO_USERS):
            staff = index == 0
            user, created = User.objects.get_or_create(
                email=spec["email"],
                defaults={"name": spec["name"], "is_staff": staff, "is_superuser": staff},
            )
            if created:
                user.set_password(spec["password"])
                user.save(update_fields=["password"])
            role = "admin  " if staff else "learner"
            self.stdout.write(f"  {role} {spec['email']} / {spec['password']}")
