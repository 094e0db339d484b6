"""Zeroconf advertisement: naming, address choice, and a real mDNS round trip on loopback.

Network rule: every Zeroconf instance here stays on ``interfaces=["127.0.0.1"]``, so no
multicast leaves the machine (Linux loops multicast sent on ``lo`` back to it).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket
import sys

import ifaddr
import pytest
from zeroconf import IPVersion, ServiceStateChange
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from wyoming_kokoro import discovery

try:  # tests/ on sys.path (rootdir-inserted) or as a package
    import server_process
except ModuleNotFoundError:
    from tests import server_process
from wyoming_kokoro.discovery import SERVICE_TYPE, Advertiser, advertised_host, default_service_name, lan_address

WAIT_S = 10.0

ROUTES_HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"


def _adapter(name: str, *addresses: str) -> ifaddr.Adapter:
    return ifaddr.Adapter(name, name, [ifaddr.IP(a, 24, name) for a in addresses])


@pytest.fixture
def fake_network(monkeypatch, tmp_path):
    """Swap in adapters and a routing table: ``fake_network(routes, adapters)``."""

    def install(routes: list[str] | None, adapters: list[ifaddr.Adapter]) -> None:
        route_file = tmp_path / "route"
        if routes is None:
            route_file = tmp_path / "missing"
        else:
            route_file.write_text(ROUTES_HEADER + "".join(routes), encoding="ascii")
        monkeypatch.setattr(discovery, "_ROUTE_FILE", str(route_file))
        monkeypatch.setattr(discovery.ifaddr, "get_adapters", lambda: adapters)

    return install


# --- default_service_name -------------------------------------------------------


def test_default_service_name_is_stable_and_valid():
    name = default_service_name()
    assert name == default_service_name()
    assert re.fullmatch(r"kokoro(-[a-z0-9-]*[a-z0-9])?", name)
    assert len(name) <= 63


@pytest.mark.parametrize(
    ("hostname", "expected"),
    [
        ("My_Host.example.com", "kokoro-my-host"),
        ("raspberrypi", "kokoro-raspberrypi"),
        ("__", "kokoro"),
        ("a" * 80, "kokoro-" + "a" * 56),
    ],
)
def test_default_service_name_from_hostname(monkeypatch, hostname, expected):
    monkeypatch.setattr(discovery.socket, "gethostname", lambda: hostname)
    assert default_service_name() == expected


# --- lan_address / advertised_host -----------------------------------------------


def test_lan_address_is_a_real_ipv4():
    address = ipaddress.IPv4Address(lan_address())
    assert not address.is_unspecified


def test_lan_address_prefers_the_default_route_interface(fake_network):
    routes = [
        "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
        "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n",
    ]
    adapters = [_adapter("lo", "127.0.0.1"), _adapter("eth0", "10.9.8.7"), _adapter("wlan0", "169.254.1.2", "192.168.1.20")]
    fake_network(routes, adapters)
    assert lan_address() == "192.168.1.20"


def test_lan_address_without_a_route_table(fake_network):
    fake_network(None, [_adapter("lo", "127.0.0.1"), _adapter("docker0", "169.254.3.3"), _adapter("eth0", "10.0.0.5")])
    assert lan_address() == "10.0.0.5"


def test_lan_address_falls_back_to_loopback(fake_network, caplog):
    fake_network([], [_adapter("lo", "127.0.0.1")])
    assert lan_address() == "127.0.0.1"
    assert "No LAN IPv4 address" in caplog.text


@pytest.mark.parametrize("bind_host", ["0.0.0.0", "", "::"])
def test_wildcard_bind_advertises_the_lan_address(bind_host):
    assert advertised_host(bind_host) == lan_address() != "0.0.0.0"


def test_override_wins():
    assert advertised_host("0.0.0.0", "192.0.2.50") == "192.0.2.50"
    assert advertised_host("127.0.0.1", "192.0.2.50") == "192.0.2.50"


def test_specific_bind_host_is_kept_or_resolved(monkeypatch):
    assert advertised_host("127.0.0.1") == "127.0.0.1"
    assert advertised_host("::1") == "::1"
    monkeypatch.setattr(discovery.socket, "gethostbyname", {"kokoro-box": "192.0.2.9"}.__getitem__)
    assert advertised_host("kokoro-box") == "192.0.2.9"


def test_interfaces_stay_on_a_local_address():
    assert discovery._interfaces_for(ipaddress.ip_address("127.0.0.1")) == ["127.0.0.1"]
    lan = lan_address()
    if lan != "127.0.0.1":
        assert discovery._interfaces_for(ipaddress.ip_address(lan)) == [lan]
    assert discovery._interfaces_for(ipaddress.ip_address("203.0.113.77")) is discovery.InterfaceChoice.All


# --- real mDNS on loopback -------------------------------------------------------


async def _wait_for(queue: asyncio.Queue, name: str, change: ServiceStateChange) -> None:
    async with asyncio.timeout(WAIT_S):
        while await queue.get() != (name, change):
            pass


async def _round_trip(port: int) -> None:
    name = f"kokoro-test-{os.getpid()}"
    full_name = f"{name}.{SERVICE_TYPE}"
    advertiser = Advertiser(name=name, host="127.0.0.1", port=port)
    browser_zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    changes: asyncio.Queue[tuple[str, ServiceStateChange]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def on_change(zeroconf, service_type, name, state_change):  # zeroconf passes these by keyword
        loop.call_soon_threadsafe(changes.put_nowait, (name, state_change))

    browser = AsyncServiceBrowser(browser_zc.zeroconf, SERVICE_TYPE, handlers=[on_change])
    try:
        async with asyncio.timeout(WAIT_S):
            await advertiser.register()
        assert advertiser.name == name
        await _wait_for(changes, full_name, ServiceStateChange.Added)

        info = AsyncServiceInfo(SERVICE_TYPE, full_name)
        assert await info.async_request(browser_zc.zeroconf, 3000)
        assert info.port == port
        assert info.parsed_addresses() == ["127.0.0.1"]
        assert info.server == f"{name}.local."

        async with asyncio.timeout(WAIT_S):
            await advertiser.unregister()
        await _wait_for(changes, full_name, ServiceStateChange.Removed)
        await advertiser.unregister()  # idempotent
    finally:
        await browser.async_cancel()
        await browser_zc.async_close()
        await advertiser.unregister()


def test_mdns_round_trip_on_loopback():
    # Guard the network rule before anything is multicast: the advertiser must stay on lo.
    assert discovery._interfaces_for(ipaddress.ip_address("127.0.0.1")) == ["127.0.0.1"]
    with socket.socket() as sock:  # a port number for the record; nothing needs to listen
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    asyncio.run(_round_trip(port))


def test_a_taken_name_gets_a_suffix():
    async def run() -> None:
        name = f"kokoro-dup-{os.getpid()}"
        first, second = Advertiser(name, "127.0.0.1", 10201), Advertiser(name, "127.0.0.1", 10202)
        try:
            async with asyncio.timeout(WAIT_S):
                await first.register()
                await second.register()
            assert (first.name, second.name) == (name, f"{name}-2")
            assert second.info.name == f"{name}-2.{SERVICE_TYPE}"
        finally:
            await second.unregister()
            await first.unregister()

    asyncio.run(run())


def test_unregister_without_register_is_a_no_op():
    async def run() -> None:
        advertiser = Advertiser("kokoro-never", "127.0.0.1", 10200)
        await advertiser.unregister()
        await advertiser.unregister()

    asyncio.run(run())


def test_advertiser_rejects_a_hostname():
    with pytest.raises(ValueError):
        Advertiser("kokoro-x", "not-an-address", 10200)


# --- the real server, announced and found --------------------------------------


async def _find_server(name: str, port: int, server) -> None:
    """Browse _wyoming._tcp on loopback until ``name`` appears, resolve it, describe it; then stop the server
    and see the service withdrawn."""
    full_name = f"{name}.{SERVICE_TYPE}"
    browser_zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    changes: asyncio.Queue[tuple[str, ServiceStateChange]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def on_change(zeroconf, service_type, name, state_change):
        loop.call_soon_threadsafe(changes.put_nowait, (name, state_change))

    browser = AsyncServiceBrowser(browser_zc.zeroconf, SERVICE_TYPE, handlers=[on_change])
    try:
        await _wait_for(changes, full_name, ServiceStateChange.Added)
        info = AsyncServiceInfo(SERVICE_TYPE, full_name)
        assert await info.async_request(browser_zc.zeroconf, 3000)
        assert info.port == port and info.parsed_addresses() == ["127.0.0.1"]
        # What Home Assistant does next: connect to the advertised address and port and describe.
        found = f"tcp://{info.parsed_addresses()[0]}:{info.port}"
        assert found == server.uri
        healthy = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wyoming_kokoro.health_check", "--uri", found,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        assert await asyncio.wait_for(healthy.wait(), WAIT_S) == 0
        assert await loop.run_in_executor(None, server.stop) == 0  # SIGTERM: unregisters, exits 0
        await _wait_for(changes, full_name, ServiceStateChange.Removed)
    finally:
        await browser.async_cancel()
        await browser_zc.async_close()


def test_the_server_is_found_by_browsing_and_withdrawn_on_stop(tmp_path):
    name = f"kokoro-e2e-{os.getpid()}"
    server = server_process.start_server(tmp_path, "--zeroconf", name, "--zeroconf-host", "127.0.0.1")
    try:
        asyncio.run(_find_server(name, server.port, server))
        log = server.log_text()
        assert f"Zeroconf: advertising {name}.{SERVICE_TYPE} at 127.0.0.1:{server.port}" in log
        assert "Zeroconf: withdrew" in log and "Traceback" not in log
    finally:
        server.stop()
