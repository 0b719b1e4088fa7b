"""What the parts of the local cloud agree on: the deployed resources, how a function is invoked, ports and
endpoints."""
