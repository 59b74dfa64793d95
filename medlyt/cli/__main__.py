"""`python -m medlyt.cli`: how the tests, the worker and the dashboard's recorder start the command line."""

import sys

from medlyt.cli import main

sys.exit(main())
