"""`make demo`: the KZ, UZ and AZ nodes on this machine, driven through a scenario.

    python -m gateway.demo [--once] [--timeout S] [--fresh]

The demo creates a demo PKI under var/pki when it is missing, starts the three nodes
(``bgw run --config config/<side>.toml``, logs in var/<side>.log, pids in var/<side>.pid) and then
plays each side's national system over AMQP, exactly as adapters/README.md describes it: it submits
notices to ``bgw.<SIDE>.submit`` and reads ``bgw.<SIDE>.inbox`` and ``bgw.<SIDE>.events``. It waits
until every notice was delivered to the peer's inbox and receipted to its sender, and prints a table.

This package is a national-system client, not part of a node: it talks to the nodes only through
the broker (with the national client of ``adapters.national``) and the ``bgw`` command; from the
gateway it uses only the codec, to read the samples in their JSON form (what ``bgw decode`` prints).

Without --once the nodes keep running until Ctrl-C here or ``make demo-stop``, and the demo prints
each node's console address with a login (user ``demo``, a new password each run). With --once they are
stopped at the end and the exit code is 0 only if every notice was sent, received and receipted.

Modules: ``common`` (paths and output), ``scenario`` (the notices and what became of them),
``nodes`` (the node processes), ``consoles`` (their addresses and demo logins), ``traffic`` (the
national systems over AMQP), ``report`` (the table), ``__main__`` (the command).
"""
