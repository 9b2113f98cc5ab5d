"""``python -m netsynth`` runs the command line, the same as the ``netsynth`` script."""

from netsynth.cli import main

raise SystemExit(main())
