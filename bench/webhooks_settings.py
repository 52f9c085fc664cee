"""The development settings, with dj-stripe's stock webhook view mounted for `bench/webhooks.py`."""

from config.settings.dev import *  # noqa: F403

ROOT_URLCONF = "bench.webhooks_urls"
