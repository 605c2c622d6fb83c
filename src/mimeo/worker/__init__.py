"""The director on each compute node: claims predictions, runs them on Cog instances, reports.

May import: ``mimeo.core``, ``mimeo.runtime``, and speaks HTTP to the API. Never the database:
a GPU box behind NAT joins by connecting out.
"""
