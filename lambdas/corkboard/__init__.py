"""Corkboard's domain code: models, repository, services. Deployed as one Lambda asset with `lambdas/`."""
