"""Which settings module runs: `DJANGO_ENV` (dev, test, production) picks it, dev by default."""

import os

ENVIRONMENTS = ("dev", "test", "production")


def use_settings_module() -> None:
    env = os.environ.get("DJANGO_ENV", "dev")
    if env not in ENVIRONMENTS:
        raise SystemExit(f"DJANGO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"config.settings.{env}")
