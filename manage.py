#!/usr/bin/env python
"""Django's command-line utility for Coursepay."""

import sys

from config.environment import use_settings_module

if __name__ == "__main__":
    use_settings_module()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
