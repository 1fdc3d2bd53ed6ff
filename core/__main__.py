"""``python -m core`` (and the entry script of the distributed launcher)."""

import os
import sys

if __package__ in (None, ""):  # run as a file by paddle.distributed.launch
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.cli import main  # noqa: E402

sys.exit(main())
