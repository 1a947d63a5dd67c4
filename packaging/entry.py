"""The frozen app's entry point: PyInstaller starts here instead of `python -m linkdesk`."""

import os
import sys

# A windowed .exe (Windows) has no standard streams: sys.stdout and sys.stderr are None,
# and anything that writes to them unguarded would crash; send them nowhere instead.
if sys.stdout is None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open for the life of the process
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - open for the life of the process

from linkdesk.app import main

sys.exit(main())
