"""``python -m ganlab``."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ganlab.cli import main

raise SystemExit(main())
