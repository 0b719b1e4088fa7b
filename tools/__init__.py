"""Build-time generators: documents made from the code, kept outside the Lambda asset and outside docs/."""
