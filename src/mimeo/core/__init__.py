"""Pure domain logic: identifiers, the prediction state machine, input validation, ids.

Owns no I/O and imports nothing else of mimeo; every other part may import it.
"""
