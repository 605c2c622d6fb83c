"""A model directory becomes a runnable environment and running Cog server instances.

May import: ``mimeo.core``. Parses ``cog.yaml``, builds venvs with uv, generates Cog's OpenAPI
schema, and starts, watches and stops ``python -m cog.server.http`` processes.
"""
