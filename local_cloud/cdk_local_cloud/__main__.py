"""Entry point of ``python -m cdk_local_cloud`` (the same as ``cdk-local``).

Worker processes are spawned, so nothing else runs at import.
"""

import sys

from cdk_local_cloud.serve.cli import main

if __name__ == "__main__":
    sys.exit(main())
