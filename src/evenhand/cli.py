"""The ``evenhand`` console script: Django's management commands under one name.

``evenhand serve`` runs the production web server (gunicorn); every other word is a management command,
so ``evenhand migrate``, ``evenhand demo`` and later ``evenhand synth …`` all work the same way.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evenhand.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["evenhand", *argv[1:]])


if __name__ == "__main__":
    main()
