"""The `bgw` command."""
