"""SQS event source mappings: a queue's messages to its function, with Lambda's partial batch failures."""
