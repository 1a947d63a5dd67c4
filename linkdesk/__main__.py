"""`python -m linkdesk` runs the same entry point as the `linkdesk` command."""

import sys

from linkdesk.app import main

sys.exit(main())
