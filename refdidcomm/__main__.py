"""``python -m refdidcomm``: see :mod:`refdidcomm.cli`."""

import sys

from .cli import main

sys.exit(main())
