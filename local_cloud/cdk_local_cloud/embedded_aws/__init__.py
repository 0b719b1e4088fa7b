"""The embedded AWS: moto server on loopback, with the few behaviours the local cloud adds to it
(transactions, S3 CORS and copy preconditions, Cognito tokens)."""
