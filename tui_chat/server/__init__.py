"""The bundled IRC server: one thread, one selector, no Textual.

``ServerThread`` embeds it in another program; ``run_server`` is ``tui-chat serve``.
"""

from .config import ServerConfig
from .embed import ServerThread
from .main import run_server

__all__ = ["ServerConfig", "ServerThread", "run_server"]
