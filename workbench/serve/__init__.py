"""``workbench serve``: the workshop's Voila server for one project."""

from .server import notebooks_dir, serve

__all__ = ["notebooks_dir", "serve"]
