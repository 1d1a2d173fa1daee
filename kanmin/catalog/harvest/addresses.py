"""Keeping the harvester off the server's own network (SSRF).

A source's address is read by the server, so a steward of one municipality on a shared site
could otherwise make it read the loopback, the private network or a cloud's metadata service
(169.254.169.254). Unless ``KANMIN_HARVEST_ALLOW_PRIVATE`` is true, an address in
:data:`PRIVATE_NETWORKS` is refused three times over: when the source is saved (the form
resolves its host), before every request of a run (each redirect is a request of its own), and
on every connection, by the address the socket is actually connected to (a host that resolves
to another address between the check and the connection gains nothing).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kanmin.catalog.harvest.remote import SourceUnreachable, bilingual

if TYPE_CHECKING:
    import requests

# Loopback, "this network", private (RFC 1918, carrier-grade NAT), link-local (the cloud
# metadata services), benchmarking, multicast and reserved; IPv6 loopback, unique-local,
# link-local, multicast and unspecified. An IPv4 address written as IPv6 is checked as IPv4.
PRIVATE_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/3",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


class PrivateAddress(SourceUnreachable):
    """The source's host is (or resolves to) an address of a private or local network."""

    TEXT = _(
        "The address %(host)s is on a private or local network (%(address)s): the server "
        "does not read such addresses for a harvest."
    )

    def __init__(self, host: str, address: str) -> None:
        super().__init__(bilingual(self.TEXT, host=host, address=address))
        self.params = {"host": host, "address": address}


def allowed() -> bool:
    return bool(settings.KANMIN_HARVEST_ALLOW_PRIVATE)


def is_private(address: str) -> bool:
    """Whether an IP address (v4 or v6, as text) is in :data:`PRIVATE_NETWORKS`."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0
    except ValueError:
        return True  # not an address at all: never connect to it
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in PRIVATE_NETWORKS if ip.version == network.version)


def check_url(url: str) -> None:
    """Raise :class:`PrivateAddress` when the URL's host is, or resolves to, any private
    address. A host that cannot be resolved passes: reading it fails by itself."""
    if allowed():
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    try:
        found = socket.getaddrinfo(host, port or 0, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return
    for *_rest, sockaddr in found:
        address = str(sockaddr[0])
        if is_private(address):
            raise PrivateAddress(host, address)


@functools.cache
def _adapter_class() -> type[Any]:
    """The transport adapter of :func:`session` (built on first use: the web process, which
    only validates forms, never loads requests)."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class _CheckedConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            # Through a proxy the peer is the proxy: the URL was checked before the request.
            if not allowed() and self.proxy is None:
                address = str(sock.getpeername()[0])
                if is_private(address):
                    sock.close()
                    raise PrivateAddress(self.host, address)
            return sock

    class _CheckedHTTPSConnection(_CheckedConnection, HTTPSConnection):
        pass

    class _CheckedPool(HTTPConnectionPool):
        ConnectionCls = _CheckedConnection

    class _CheckedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = _CheckedHTTPSConnection

    class CheckedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": _CheckedPool,
                "https": _CheckedHTTPSPool,
            }

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            check_url(request.url)  # every request, so every hop of a redirect
            return super().send(request, *args, **kwargs)

    return CheckedAdapter


def session() -> requests.Session:
    """A requests session that refuses private addresses (see the module's doc)."""
    import requests

    checked = requests.Session()
    adapter = _adapter_class()()
    checked.mount("http://", adapter)
    checked.mount("https://", adapter)
    return checked
