"""Corkboard's stacks, composed from `serverless_blocks`; `corkboard_app.add_corkboard` wires them."""
