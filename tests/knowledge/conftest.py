import pytest

from knowledge import nearest


@pytest.fixture(autouse=True)
def _fresh_meaning_matrices():
    """The title matrices live in the process: rows a test rolled back may come back with
    the same ids in the next one (SQLite), so each test starts with none."""
    nearest.reset()
