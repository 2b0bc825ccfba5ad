"""``python -m nkdocker_actors.sandbox``: see the package's docstring."""

from .cli import main

raise SystemExit(main())
