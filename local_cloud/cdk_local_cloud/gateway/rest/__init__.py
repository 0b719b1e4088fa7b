"""API Gateway REST APIs: the template's resource tree, authorizers, mapping templates, throttling and
gateway responses."""
