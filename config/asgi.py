import django

from config.environment import use_settings_module

use_settings_module()
django.setup(set_prefix=False)

from config.bounded_asgi import BoundedASGIHandler  # noqa: E402 (needs the settings above)

application = BoundedASGIHandler()
