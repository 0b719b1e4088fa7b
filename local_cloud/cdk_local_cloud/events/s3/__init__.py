"""S3 event notifications to functions, with the bucket's own filter rules and Lambda's asynchronous
retries."""
