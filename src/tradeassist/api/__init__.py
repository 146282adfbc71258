"""The API service: app factory, dependencies, schemas, routes and the live streams."""

from tradeassist.api.app import create_app
from tradeassist.api.embedded import ensure_admin_token
from tradeassist.api.server import build_server, serve

__all__ = ["build_server", "create_app", "ensure_admin_token", "serve"]
