"""The web UI's HTTP side: browser sessions, CSRF, page rendering and the page routes.

The pages act through the same services and repositories as the v1 routes (a prediction is
created by ``PredictionCreation``, an upload stored by the file service, a deployment released
by the release service): the browser is one more client, not a second way in. Templates and
static files come from ``mimeo.web``. Nothing here appears in the API's OpenAPI document.
"""
