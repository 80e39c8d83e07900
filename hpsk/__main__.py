"""``python -m hpsk``: see :mod:`hpsk.cli`."""

import sys

from .cli import main

sys.exit(main())
