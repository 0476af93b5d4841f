"""`python -m reports`: run the quick sweep and draw the report (see reports.cli)."""

import sys

from reports.cli import main

sys.exit(main())
