"""Files of the data directory, private to the user who runs the tracker (issue 17):
directories created 0700, files (the SQLite database, key files) created 0600."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """`path` and any missing parents, each new one created 0700 (existing ones are left)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def create_private_file(path: Path, content: bytes = b"") -> bool:
    """Create `path` with mode 0600 (never wider, whatever the umask) holding `content`;
    False when it already exists (another process may have made it a moment ago)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return True
