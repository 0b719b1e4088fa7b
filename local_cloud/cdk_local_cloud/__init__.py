"""The local cloud: serves a synthesized CDK app (cdk.out) on this machine, on moto server, with no Docker.

It is generic: it reads templates and knows no application's names. See README.md beside this package.
"""
