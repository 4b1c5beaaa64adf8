"""``python -m streamfit``: see :mod:`streamfit.cli`."""

import sys

from .cli import main

sys.exit(main())
