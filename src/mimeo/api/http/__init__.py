"""HTTP plumbing shared by the routes: dependencies (auth, context, ``Prefer``, cursors), the
URLs mimeo hands out and their signatures, problem+json, body limits and the JSON shapes."""
