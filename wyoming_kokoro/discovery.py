"""Zeroconf (mDNS) advertisement of the server as a ``_wyoming._tcp`` service.

Home Assistant discovers Wyoming services by browsing ``_wyoming._tcp.local.``.
We use python-zeroconf directly rather than ``wyoming.zeroconf`` because the
latter advertises whatever host it is given (``0.0.0.0`` when the server binds
to all interfaces, an address no client can connect to), names the service
after a MAC address, finds the LAN address by connecting a UDP socket, and
pins an old zeroconf. Here the advertised address is the machine's real LAN
address (or an explicit override), the name is derived from the hostname so it
survives restarts, and the multicast stays on the interface that holds the
advertised address when that address belongs to this machine.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket

import ifaddr
from zeroconf import InterfaceChoice, InterfacesType, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."

_ANY_HOSTS = ("0.0.0.0", "", "::")
_MAX_LABEL = 63  # longest DNS label
_ROUTE_FILE = "/proc/net/route"  # Linux's IPv4 routing table


def default_service_name() -> str:
    """``kokoro-<hostname>``: stable across restarts, distinct per machine on a LAN."""
    label = socket.gethostname().split(".", 1)[0].lower()
    label = re.sub(r"[^a-z0-9-]+", "-", label).strip("-")
    return f"kokoro-{label}"[:_MAX_LABEL].rstrip("-") if label else "kokoro"


def _ipv4_addresses(adapter: ifaddr.Adapter) -> list[str]:
    return [ip.ip for ip in adapter.ips if isinstance(ip.ip, str)]


def _is_usable(address: str) -> bool:
    parsed = ipaddress.IPv4Address(address)
    return not (parsed.is_loopback or parsed.is_link_local or parsed.is_unspecified)


def _default_route_interface() -> str | None:
    """Name of the interface holding the IPv4 default route, from ``/proc/net/route``."""
    try:
        with open(_ROUTE_FILE, encoding="ascii") as route_file:
            lines = route_file.read().splitlines()[1:]
    except OSError:
        return None
    best: tuple[int, str] | None = None
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue  # not a default route (destination and mask both 0)
        if not int(fields[3], 16) & 0x1:  # RTF_UP
            continue
        metric = int(fields[6])
        if best is None or metric < best[0]:
            best = (metric, fields[0])
    return best[1] if best else None


def lan_address() -> str:
    """This machine's LAN IPv4 address, found without sending any packet.

    The address of the interface that holds the default route, else the first
    non-loopback, non-link-local IPv4 address of any interface, else 127.0.0.1.
    """
    adapters = ifaddr.get_adapters()
    route_interface = _default_route_interface()
    if route_interface:
        for adapter in adapters:
            if adapter.name == route_interface:
                usable = [a for a in _ipv4_addresses(adapter) if _is_usable(a)]
                if usable:
                    return usable[0]
    for adapter in adapters:
        for address in _ipv4_addresses(adapter):
            if _is_usable(address):
                return address
    _LOGGER.warning("No LAN IPv4 address found; advertising 127.0.0.1")
    return "127.0.0.1"


def advertised_host(bind_host: str, override: str | None = None) -> str:
    """The address to advertise for a server bound to ``bind_host``.

    ``override`` wins (a hostname there is resolved to IPv4); a wildcard bind
    host advertises :func:`lan_address`; a hostname is resolved to IPv4.
    """
    if override:
        return _to_address(override)
    if bind_host in _ANY_HOSTS:
        return lan_address()
    return _to_address(bind_host)


def _to_address(host: str) -> str:
    """An IP literal unchanged, a hostname resolved to its IPv4 address."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return socket.gethostbyname(host)


def _interfaces_for(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> InterfacesType:
    """``[address]`` when it belongs to this machine, else all interfaces."""
    if address.is_loopback:
        return ["127.0.0.1" if address.version == 4 else "::1"]
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            local = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            if ipaddress.ip_address(local) == address:
                return [str(address)]
    return InterfaceChoice.All


class Advertiser:
    """Advertises one Wyoming service at ``host:port`` under ``name`` via mDNS."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.host = host
        self.port = port
        self._address = ipaddress.ip_address(host)
        self.info = AsyncServiceInfo(
            SERVICE_TYPE,
            f"{name}.{SERVICE_TYPE}",
            addresses=[self._address.packed],
            port=port,
            server=f"{name}.local.",
        )
        self._zeroconf: AsyncZeroconf | None = None

    async def register(self) -> None:
        """Start answering mDNS queries for the service (no-op if already registered)."""
        if self._zeroconf is not None:
            return
        interfaces = _interfaces_for(self._address)
        ip_version = IPVersion.V4Only if self._address.version == 4 else IPVersion.V6Only
        zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=ip_version)
        try:
            # A same-named service elsewhere on the LAN gets us "<name>-2" rather than an error.
            await zeroconf.async_register_service(self.info, allow_name_change=True)
        except BaseException:
            await zeroconf.async_close()
            raise
        self._zeroconf = zeroconf
        registered = self.info.name[: -len(SERVICE_TYPE) - 1]
        if registered != self.name:
            _LOGGER.warning("Service name %s is taken; using %s", self.name, registered)
            self.name = registered
        _LOGGER.info(
            "Zeroconf: advertising %s at %s:%s (interfaces: %s)",
            self.info.name,
            self.host,
            self.port,
            "all" if interfaces is InterfaceChoice.All else ", ".join(map(str, interfaces)),
        )

    async def unregister(self) -> None:
        """Withdraw the service and close zeroconf; safe to call at any time, repeatedly."""
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is None:
            return
        try:
            goodbyes_sent = await zeroconf.async_unregister_service(self.info)
            await goodbyes_sent
            _LOGGER.info("Zeroconf: withdrew %s", self.info.name)
        except Exception:  # pylint: disable=broad-except
            _LOGGER.warning("Zeroconf: could not withdraw %s", self.info.name, exc_info=True)
        finally:
            await zeroconf.async_close()
