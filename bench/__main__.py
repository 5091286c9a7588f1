"""`python -m bench`: the filter-to-figure benchmark (bench/run.py)."""

import sys

from bench.run import main

sys.exit(main())
