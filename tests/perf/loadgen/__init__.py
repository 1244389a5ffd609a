"""Load generator for the server benchmark (issue 3), run in its own process.

A Python ``websockets`` client spends about as much CPU per message as the server, so a
generator built on it measures itself. This one speaks just enough WebSocket by hand
(:mod:`loadgen.wsclient`): prebuilt client frames masked with a zero key (legal, and XOR with
zero is free), and a parser that only finds frame boundaries and a few byte markers in the
server's JSON.

Modules: ``wsclient`` (the protocol), ``generator`` (closed- and open-loop drivers, prints one
JSON result), ``echo_server`` (the bare ``websockets`` baseline), ``serve`` (the desk server
with benchmark agents), and ``../run_load.py`` which runs them all and prints the table.
"""
