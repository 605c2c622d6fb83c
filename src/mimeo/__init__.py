"""mimeo: Replicate-compatible model serving on your own machines."""
