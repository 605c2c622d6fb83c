"""The HTTP face of mimeo: Replicate's v1 routes, auth, problem+json errors, the worker protocol.

May import everything but worker internals. Model code never runs here.
"""
