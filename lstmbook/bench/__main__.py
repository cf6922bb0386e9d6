"""``python -m lstmbook.bench`` (see :mod:`lstmbook.bench.cli`)."""

from .cli import main

main()
