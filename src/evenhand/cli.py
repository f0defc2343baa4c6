"""The ``evenhand`` console script: Django's management commands under one name.

``evenhand serve`` runs the production web server (gunicorn); every other word is a management command,
so ``evenhand migrate``, ``evenhand demo`` and later ``evenhand synth …`` all work the same way. The one
exception is ``evenhand equality analyse``, which runs without starting Django (it reads a file, not the
database), so that it starts in a fraction of a second.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if argv[1:3] == ["equality", "analyse"]:
        # An analysis of a file needs no settings, database or system checks: run it without Django.
        from evenhand.equality.analyse_cli import main as analyse

        sys.exit(analyse(argv[3:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evenhand.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["evenhand", *argv[1:]])


if __name__ == "__main__":
    main()
