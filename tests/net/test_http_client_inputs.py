"""What callers hand the client: resolver slots of clients that go away while resolving, host
names checked after IDNA's mapping, and text with lone surrogates (no UTF-8 form) at every
entry point. Real loopback servers; DNS only for ``localhost``. Lookups that must stay WAITING
go through ``net.ip._system_lookup`` replaced by one that waits until the test ends (a seam for
timing, as in test_ip.py)."""

from __future__ import annotations

import gc
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_http_client import connect, fetch, ok, pump

import net.ip as ip_module
from conftest import TLSServer, accept, close_notify
from engine.object_model import Error, Ref
from net import HTTPClient, StreamPeerBuffer, settings
from net.ip import IP
from support import Exchange, LogLines, RawServer

S = HTTPClient.Status
M = HTTPClient.Method
ServerFactory = Callable[..., RawServer]
ListenerFactory = Callable[..., socket.socket]


@pytest.fixture(autouse=True)
def empty_resolver() -> Iterator[IP]:
    """The resolver with every slot free and nothing cached, before and after each test."""
    resolver = IP.get_singleton()
    for slot in range(IP.RESOLVER_MAX_QUERIES):
        resolver.erase_resolve_item(slot)
    resolver.clear_cache()
    yield resolver
    for slot in range(IP.RESOLVER_MAX_QUERIES):
        resolver.erase_resolve_item(slot)
    resolver.clear_cache()


@pytest.fixture
def stalled_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every system lookup waits (no answer) until the test ends; yields the names asked."""
    asked: list[str] = []
    release = threading.Event()

    def stalled(name: str, family: int) -> list[str]:
        asked.append(name)
        release.wait(30)
        return []

    monkeypatch.setattr(ip_module, "_system_lookup", stalled)
    yield asked
    release.set()


def first_free_slot(resolver: IP) -> int:
    """The slot the next lookup gets (an IP literal answers at once); then free it again."""
    slot = resolver.resolve_hostname_queue_item("192.0.2.1")
    if slot != IP.RESOLVER_INVALID_ID:
        resolver.erase_resolve_item(slot)
    return slot


def resolving_clients(count: int, tag: str) -> list[HTTPClient]:
    clients = []
    for n in range(count):
        client = HTTPClient()
        assert client.connect_to_host(f"slow-{tag}-{n}.invalid", 80) == Error.OK
        assert client.get_status() == S.STATUS_RESOLVING
        clients.append(client)
    return clients


def assert_queue_refills(resolver: IP) -> None:
    """Every slot is free: a whole queue of new lookups fits, and one more does not."""
    refill = [resolver.resolve_hostname_queue_item(f"refill{n}.invalid") for n in range(256)]
    assert refill == list(range(IP.RESOLVER_MAX_QUERIES))
    for slot in refill:
        resolver.erase_resolve_item(slot)


# --- item 5: resolver slots never leak --------------------------------------------------------


def test_the_queue_holds_the_engines_256_lookups() -> None:
    assert IP.RESOLVER_MAX_QUERIES == 256


def test_dropped_resolving_clients_give_back_their_slots(
    empty_resolver: IP, stalled_dns: list[str], engine_log: LogLines
) -> None:
    clients = resolving_clients(IP.RESOLVER_MAX_QUERIES, "dropped")
    extra = HTTPClient()
    assert extra.connect_to_host("one-more.invalid", 80) == Error.ERR_CANT_RESOLVE
    assert engine_log.lines == ["WARNING: resolve_hostname_queue_item: Out of resolver queries"]
    del clients  # never adopted: Python collects them, which frees them
    assert_queue_refills(empty_resolver)
    assert engine_log.lines == ["WARNING: resolve_hostname_queue_item: Out of resolver queries"]


def test_clients_freed_by_their_count_give_back_their_slots(
    empty_resolver: IP, stalled_dns: list[str], engine_log: LogLines
) -> None:
    clients = resolving_clients(IP.RESOLVER_MAX_QUERIES, "counted")
    held = [Ref(client) for client in clients[:128]]
    for ref in held:
        ref.release()  # the last owner lets go: freed now
    for client in clients[128:]:
        assert client.unreference()  # Python's own count was the last one
    assert_queue_refills(empty_resolver)
    assert engine_log.lines == []


def test_collected_clients_in_cycles_give_back_their_slots(
    empty_resolver: IP, stalled_dns: list[str]
) -> None:
    clients = resolving_clients(IP.RESOLVER_MAX_QUERIES, "cycle")
    for client in clients:
        client.set_meta("self", client)  # a reference cycle: only the collector frees it
    del clients, client
    gc.collect()
    assert_queue_refills(empty_resolver)


def test_free_is_refused_and_keeps_the_slot(
    empty_resolver: IP, stalled_dns: list[str], engine_log: LogLines
) -> None:
    client = resolving_clients(1, "kept")[0]
    client.free()
    assert engine_log.lines == ["ERROR: free: Can't 'free' a reference."]
    assert client.get_status() == S.STATUS_RESOLVING
    assert first_free_slot(empty_resolver) == 1  # slot 0 is still the client's
    del client
    assert first_free_slot(empty_resolver) == 0


def test_a_freed_client_closes_its_connection_at_once(tcp_listener: ListenerFactory) -> None:
    listener = tcp_listener()
    ref = Ref(HTTPClient())
    client = ref.get()
    assert client is not None
    connect(client, "127.0.0.1", listener.getsockname()[1])
    server_side = accept(listener)
    ref.release()  # freed now, though the Python object lives on in ``client``
    assert server_side.recv(1) == b""  # EOF: the client closed its socket when freed
    assert client.get_connection() is None
    server_side.close()


@pytest.mark.parametrize("call", ["poll", "read_response_body_chunk"])
def test_a_client_freed_by_another_thread_during_a_blocking_call(
    tcp_listener: ListenerFactory,
    net_settings: Callable[[str, str | int], None],
    engine_log: LogLines,
    call: str,
) -> None:
    """The waiting call ends (at its timeout at the latest: closing a socket does not wake a
    poll(2) on it) answering as a freed client does, instead of an AssertionError from a
    stream that vanished under it (found attacking issue 12 item 4)."""
    net_settings(settings.BLOCKING_TIMEOUT, 1)
    listener = tcp_listener()
    ref = Ref(HTTPClient())
    client = ref.get()
    assert client is not None
    connect(client, "127.0.0.1", listener.getsockname()[1])
    server_side = accept(listener)
    client.set_blocking_mode(True)
    assert client.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert server_side.recv(65536).startswith(b"GET / ")
    if call == "read_response_body_chunk":
        server_side.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
        assert client.poll() == Error.OK
        assert client.get_status() == HTTPClient.STATUS_BODY
    results: list[object] = []
    errors: list[BaseException] = []

    def blocking_call() -> None:
        try:
            results.append(getattr(client, call)())
        except BaseException as exc:  # reported below
            errors.append(exc)

    engine_log.clear()
    worker = threading.Thread(target=blocking_call)
    worker.start()
    ref.release()  # before or during the call: the answer is the same
    worker.join(10)
    assert errors == []
    assert results in ([Error.ERR_INVALID_PARAMETER], [b""], [b"hello"])
    assert engine_log.lines == [
        f"ERROR: {call}: Attempt to call '{call}' on a previously freed instance."
    ]
    assert server_side.recv(1) == b""  # the client's socket was closed
    server_side.close()


def test_a_blocking_poll_cancelled_by_close_from_another_thread(
    tcp_listener: ListenerFactory,
    net_settings: Callable[[str, str | int], None],
    engine_log: LogLines,
) -> None:
    """close() from another thread (a user cancelling a download) while a blocking poll
    waits: the poll ends with one line and an error code, the status stays the one close()
    set, and no RuntimeError about a transition escapes."""
    net_settings(settings.BLOCKING_TIMEOUT, 1)
    listener = tcp_listener()
    client = HTTPClient()
    connect(client, "127.0.0.1", listener.getsockname()[1])
    server_side = accept(listener)
    client.set_blocking_mode(True)
    assert client.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert server_side.recv(65536).startswith(b"GET / ")
    results: list[object] = []
    errors: list[BaseException] = []

    def blocking_poll() -> None:
        try:
            results.append(client.poll())
        except BaseException as exc:  # reported below
            errors.append(exc)

    engine_log.clear()
    worker = threading.Thread(target=blocking_poll)
    worker.start()
    client.close()  # before or during the poll
    worker.join(10)
    assert errors == []
    assert client.get_status() == HTTPClient.STATUS_DISCONNECTED
    assert (results, engine_log.lines) in (
        ([Error.ERR_UNCONFIGURED], []),  # closed before the poll began
        (
            [Error.ERR_CONNECTION_ERROR],
            ["ERROR: poll: the client was closed during the call (by another thread)"],
        ),
    )
    server_side.close()


# --- item 6: host names are checked after IDNA's mapping --------------------------------------

MAPPED_TO_FORBIDDEN = {
    "fullwidth-colon": "example.com\uff1a8080",
    "fullwidth-at": "user\uff20example.com",
    "fullwidth-solidus": "example.com\uff0fpath",
    "fullwidth-question-mark": "example.com\uff1fq",
    "fullwidth-number-sign": "example.com\uff03f",
    "fullwidth-reverse-solidus": "example\uff3ccom",
    "ideographic-space": "exa\u3000mple.com",
    "account-of-becomes-a/c": "x\u2100y.example",
    "fullwidth-brackets": "\uff3b::1\uff3d",
    "all-fullwidth-with-port": "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff1a\uff18\uff10",
}


@pytest.mark.parametrize("host", MAPPED_TO_FORBIDDEN.values(), ids=MAPPED_TO_FORBIDDEN.keys())
def test_characters_that_map_to_forbidden_ones_are_refused(
    empty_resolver: IP, stalled_dns: list[str], engine_log: LogLines, host: str
) -> None:
    client = HTTPClient()
    assert client.connect_to_host(host, 80) == Error.ERR_INVALID_PARAMETER
    assert client.get_status() == S.STATUS_DISCONNECTED
    assert client.get_connection() is None
    assert engine_log.lines == [
        "ERROR: connect_to_host: The host may only be a name or an IP address: give the port "
        "in 'port' and the path in request()."
    ]
    assert first_free_slot(empty_resolver) == 0  # no slot was taken
    assert stalled_dns == []


def test_a_name_idna_maps_below_the_minimum_length_is_refused(
    empty_resolver: IP, stalled_dns: list[str], engine_log: LogLines
) -> None:
    client = HTTPClient()
    assert client.connect_to_host("ab\u00ad\u00adc", 80) == Error.ERR_INVALID_PARAMETER  # "abc"
    assert client.get_status() == S.STATUS_DISCONNECTED
    assert engine_log.lines == [
        'ERROR: connect_to_host: Condition "conn_host.length() < HOST_MIN_LEN" is true. '
        "Returned: ERR_INVALID_PARAMETER"
    ]
    assert first_free_slot(empty_resolver) == 0
    assert stalled_dns == []


#: Characters IDNA's mapping turns into a dot inside a label (IDNA 2008 and UTS #46 disallow
#: them): the name would change its labels after it was read, one label becoming two.
MAPPED_TO_A_DOT = {
    "one-dot-leader": "pay\u2024example.com",  # "pay.example.com"
    "two-dot-leader": "pay\u2025example.com",  # "pay..example.com"
    "digit-full-stop": "example\u2488com",  # "example1.com"
    "small-full-stop": "pay\ufe52example.com",
}


@pytest.mark.parametrize("host", MAPPED_TO_A_DOT.values(), ids=MAPPED_TO_A_DOT.keys())
def test_characters_that_map_to_a_dot_inside_a_label_are_refused(
    empty_resolver: IP, stalled_dns: list[str], engine_log: LogLines, host: str
) -> None:
    client = HTTPClient()
    assert client.connect_to_host(host, 80) == Error.ERR_INVALID_PARAMETER
    assert client.get_status() == S.STATUS_DISCONNECTED
    assert engine_log.lines == [
        "ERROR: connect_to_host: The host name cannot be encoded with IDNA."
    ]
    assert first_free_slot(empty_resolver) == 0
    assert stalled_dns == []


@pytest.mark.parametrize(
    "host",
    ["b\u00fccher.example", "b\u00fccher.example.", "\uff45x\uff0eexample", "a\u3002b.example"],
)
def test_label_separators_idna_knows_keep_their_labels(
    empty_resolver: IP, stalled_dns: list[str], host: str
) -> None:
    client = HTTPClient()
    assert client.connect_to_host(host, 80) == Error.OK
    assert client.get_status() == S.STATUS_RESOLVING
    client.close()


def test_the_checked_name_is_the_one_dns_sni_and_host_get(
    monkeypatch: pytest.MonkeyPatch,
    tls_server: Callable[..., TLSServer],
    tcp_listener: ListenerFactory,
    trust_tls_ca: str,
) -> None:
    asked: list[str] = []
    system_lookup = ip_module._system_lookup

    def recording(name: str, family: int) -> list[str]:
        asked.append(name)
        return [a for a in system_lookup(name, family) if a == "127.0.0.1"]

    monkeypatch.setattr(ip_module, "_system_lookup", recording)
    heads: list[bytes] = []

    def handle(conn: ssl.SSLSocket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(65536)
        heads.append(head)
        conn.sendall(ok(b"mapped"))
        close_notify(conn)

    listener = tcp_listener()
    port = listener.getsockname()[1]
    server = tls_server(handle, listener=listener)
    client = HTTPClient()
    fullwidth_localhost = "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54"
    connect(client, fullwidth_localhost, port, use_ssl=True)
    assert fetch(client, M.METHOD_GET, "/")[2] == b"mapped"
    client.close()
    server.join()
    assert asked == ["localhost"]
    assert server.sni == ["localhost"]
    assert f"\r\nHost: localhost:{port}\r\n".encode() in heads[0]


def test_digits_that_map_to_an_ip_literal_connect_as_one(
    raw_server: ServerFactory, stalled_dns: list[str]
) -> None:
    server = raw_server([[Exchange(ok(b"literal"))]])
    client = HTTPClient()
    fullwidth_loopback = "\uff11\uff12\uff17.\uff10.\uff10.\uff11"
    assert client.connect_to_host(fullwidth_loopback, server.port) == Error.OK
    assert client.get_status() == S.STATUS_CONNECTING  # no lookup: an address
    pump(client, S.STATUS_CONNECTING)
    assert fetch(client, M.METHOD_GET, "/")[2] == b"literal"
    client.close()
    server.wait()
    assert server.requests[0].startswith(
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}".encode()
    )
    assert stalled_dns == []


# --- item 7: text with lone surrogates --------------------------------------------------------

SURROGATE_HOSTS = ["\ud800.example.com", "caf\udce9.example.com", "https://\udc80abc.example"]


@pytest.mark.parametrize("host", SURROGATE_HOSTS)
def test_a_host_with_a_lone_surrogate_is_refused_before_a_slot_is_taken(
    empty_resolver: IP, stalled_dns: list[str], engine_log: LogLines, host: str
) -> None:
    client = HTTPClient()
    assert client.connect_to_host(host) == Error.ERR_INVALID_PARAMETER
    assert client.get_status() == S.STATUS_DISCONNECTED
    assert engine_log.lines == [
        "ERROR: connect_to_host: The host name cannot be encoded with IDNA."
    ]
    assert first_free_slot(empty_resolver) == 0
    assert stalled_dns == []


def test_a_request_body_with_a_lone_surrogate_is_refused_and_nothing_is_sent(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    server = raw_server([[Exchange(ok(b"after"))]])
    client = HTTPClient()
    connect(client, "127.0.0.1", server.port)
    body = '{"name": "caf\udce9"}'
    assert client.request(M.METHOD_POST, "/upload", [], body) == Error.ERR_INVALID_PARAMETER
    assert client.get_status() == S.STATUS_CONNECTED
    assert engine_log.lines == [
        "ERROR: request: body holds a lone surrogate, which has no UTF-8 form (bytes go "
        "through request_raw). Returned: ERR_INVALID_PARAMETER"
    ]
    assert fetch(client, M.METHOD_GET, "/next")[2] == b"after"  # the first bytes it read
    client.close()
    server.wait()
    assert len(server.requests) == 1
    assert server.requests[0].startswith(b"GET /next HTTP/1.1\r\n")


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({"ok": 1, "\ud800": 2}, "a key holds a lone surrogate"),
        ({"password": "p\udc80ss"}, 'the value of key "password" holds a lone surrogate'),
        ({"tags": ["a", ["\ud800"]]}, 'the value of key "tags" holds a lone surrogate'),
    ],
)
def test_query_string_with_a_lone_surrogate_is_empty_with_one_line(
    engine_log: LogLines, fields: dict[Any, Any], line: str
) -> None:
    assert HTTPClient().query_string_from_dict(fields) == ""
    assert engine_log.lines == [
        f"ERROR: query_string_from_dict: {line}, which has no UTF-8 form. Returned: String()"
    ]
    assert "p\\udc80ss" not in engine_log.lines[0]  # a form value is never logged


def test_put_utf8_string_with_a_lone_surrogate_writes_nothing(engine_log: LogLines) -> None:
    buffer = StreamPeerBuffer()
    buffer.put_utf8_string("caf\udce9")
    assert buffer.get_size() == 0
    assert engine_log.lines == [
        "ERROR: put_utf8_string: the string holds a lone surrogate, which has no UTF-8 form."
    ]
    buffer.put_string("\ud800A")  # one byte per character, the low byte of its code
    assert buffer.data_array == b"\x02\x00\x00\x00\x00A"
    assert len(engine_log.lines) == 1


# --- item 13: odd values never raise ----------------------------------------------------------


def test_query_string_of_a_self_referencing_value(engine_log: LogLines) -> None:
    looped: list[Any] = ["a"]
    looped.append(looped)
    mapping: dict[str, Any] = {"k": 1}
    mapping["me"] = mapping
    query = HTTPClient().query_string_from_dict({"l": [looped], "d": mapping})
    assert query == "l=%5Ba%2C%20%5B...%5D%5D&d=%7Bk%3A1%2C%20me%3A%7B...%7D%7D"
    assert engine_log.lines == []


def test_query_string_of_a_very_deep_value_is_cut_with_one_line(engine_log: LogLines) -> None:
    deep: Any = "x"
    for _ in range(50_000):
        deep = {"d": [deep]}
    query = HTTPClient().query_string_from_dict({"deep": deep, "next": "ok"})
    assert query.endswith("&next=ok")
    assert query.count("%7B...%7D") + query.count("%5B...%5D") == 1
    assert engine_log.lines == ["ERROR: stringify: Maximum dictionary recursion reached!"]


@pytest.mark.parametrize("size", [2**31, 2**40, 2**63 - 1, -1])
def test_resize_to_an_absurd_size_changes_nothing(engine_log: LogLines, size: int) -> None:
    buffer = StreamPeerBuffer()
    buffer.put_data(b"abc")
    buffer.resize(size)
    assert (buffer.data_array, buffer.get_position()) == (b"abc", 3)
    condition = "p_size < 0" if size < 0 else "p_size > INT32_MAX"
    assert engine_log.lines == [f'ERROR: resize: Condition "{condition}" is true.']
    assert buffer.call("resize", size) is None  # by name too: the same line, no exception
    assert len(engine_log.lines) == 2
