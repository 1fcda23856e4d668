"""The node: wires the wire contract, the store and the transport together."""
