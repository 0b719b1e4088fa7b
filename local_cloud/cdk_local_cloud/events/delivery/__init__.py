"""What every event source shares: asynchronous invocation, retries, and on-failure destinations."""
