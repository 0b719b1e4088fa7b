"""Cold import of the REST handler module against a bare `import boto3` + one client, in fresh processes.

Lambda pays the import on every cold start, so this is the handler's own share of cold-start latency.
Each sample is a new interpreter (nothing cached in memory); the two cases alternate so that machine noise
hits both alike, and the medians are compared. Run: `make bench` or `.venv/bin/python bench/cold_import.py`.
"""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_TIMER = "import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"
CASES = {
    "bare boto3 + client": "import boto3; boto3.client('dynamodb')",
    "REST handler (api.app)": "import api.app",
}
# What the stack sets; values are fake and nothing is called, the import only reads them.
FAKE_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "TABLE_NAME": "bench-main",
    "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
    "CURSOR_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def sample(body: str) -> float:
    env = {**os.environ, **FAKE_ENVIRONMENT, "PYTHONPATH": str(ROOT / "lambdas")}
    output = subprocess.run(
        [sys.executable, "-c", _TIMER.format(body=body)], env=env, capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21, help="fresh processes per case (default 21)")
    runs = parser.parse_args().runs
    for body in CASES.values():
        sample(body)  # warm the bytecode cache on disk, as a deployed runtime's site-packages has it
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, body in CASES.items():
            samples[name].append(sample(body))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"cold import, median of {runs} fresh processes (Python {sys.version.split()[0]})")
    for name, median in medians.items():
        p90 = statistics.quantiles(samples[name], n=10)[-1]
        print(f"  {name:<26} median {median * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms")
    baseline, handler = medians.values()
    print(f"  ratio handler / baseline: {handler / baseline:.2f}x (goal <= 1.30x)")


if __name__ == "__main__":
    main()
