"""`python -m cmltrack ...`"""

import sys

from cmltrack.cli import main

sys.exit(main())
