"""DynamoDB stream event source mappings: shards read as Lambda's poller reads them, in batches, with
retries."""
