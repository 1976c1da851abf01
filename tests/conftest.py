"""Suite-wide guard: nothing a test runs may touch the user's real config, data or log dirs.

platformdirs reads the XDG variables each time it is asked, and subprocesses inherit them, so
pointing them at a session temporary directory covers the app, the server's default history
location and every `tui-chat` subprocess, including tests that forget to pass paths.
"""

from __future__ import annotations

import pytest

XDG_VARIABLES = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


@pytest.fixture(scope="session", autouse=True)
def _private_xdg_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as patch:
        for name in XDG_VARIABLES:
            patch.setenv(name, str(root / name.lower()))
        yield root
