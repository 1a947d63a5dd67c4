"""`python -m linkdesk.emulator` runs the emulator in the foreground (see `cli.main`)."""

import sys

from linkdesk.emulator.cli import main

sys.exit(main())
