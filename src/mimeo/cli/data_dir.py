"""The data directory, private to the user mimeo runs as.

It holds the database (with the URL-signing and webhook secrets), the API token, uploaded files
and outputs: 0700 on the directory closes all of it to other users, whatever mode a file inside
was created with. A directory made by an older mimeo (0755) is closed on the next start.
"""

from __future__ import annotations

from pathlib import Path


def private_data_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path
