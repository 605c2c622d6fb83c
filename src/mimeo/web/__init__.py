"""The browser UI: Jinja2 templates, static files, and the pure view logic behind them (the
form a version's schema asks for, the code snippets, a model's README as HTML).

Imports nothing of mimeo: ``api`` serves it and hands it plain values (schemas, dicts), so the
pages can be read and tested without a database or a server.
"""
