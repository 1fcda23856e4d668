"""How national systems plug into a node: the AMQP client (`adapters.national`), the interface's
description (README.md, asyncapi.yaml) and a command-line example (examples/national_client.py)."""
