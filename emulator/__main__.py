"""Entry point of ``python -m emulator``; worker processes are spawned, so nothing else runs at import."""

import sys

from emulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
