"""tradeassist: a real-time trading assistant for US stocks."""

__all__ = ["__version__"]

__version__ = "0.1.0"
