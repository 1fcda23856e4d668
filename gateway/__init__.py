"""Bilateral notification gateway: the node two neighbouring states use to exchange treaty notices."""

__version__ = "0.1.0"
