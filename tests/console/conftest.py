"""Console tests use the node tests' world: a private vhost and PKI per test, nodes stopped after."""

from tests.node.conftest import world

__all__ = ["world"]
