"""What the API does, apart from how it is asked over HTTP: create predictions, roll deployment
releases, resolve file inputs, serve workers, sweep leases and deadlines. Routes call these; so
does the embedded worker's in-process channel."""
