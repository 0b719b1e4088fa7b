"""One-off data migrations that an operator runs against a deployed table, with their own credentials.

They are not Lambda code (nothing here ships in the asset) and not request paths, so they may Scan.
Each one is idempotent and safe to run while the API serves traffic.
"""
