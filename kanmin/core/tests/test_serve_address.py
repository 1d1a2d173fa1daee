"""`kanmin serve` refuses a port something listens on, not one a stopped server just left."""

from __future__ import annotations

import socket

import pytest
from django.core.management.base import CommandError

from kanmin.core.management.commands.core_serve import _refuse_taken_address


def test_a_listening_port_is_refused_a_port_in_time_wait_is_not():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn's own
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    with pytest.raises(CommandError, match=f"Cannot listen on 127.0.0.1:{port}"):
        _refuse_taken_address(f"127.0.0.1:{port}")
    served.close()  # the server side closes first: its end waits in TIME_WAIT
    client.recv(1)
    client.close()
    listener.close()
    _refuse_taken_address(f"127.0.0.1:{port}")
    _refuse_taken_address("unix:/tmp/kanmin-not-checked.sock")
