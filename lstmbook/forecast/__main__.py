"""``python -m lstmbook.forecast FILE.csv --time COL --target COL --horizon H`` (see
:mod:`lstmbook.forecast.cli`)."""

from lstmbook.forecast.cli import main

raise SystemExit(main())
