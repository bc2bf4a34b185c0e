"""The proxy ``engine-net fetch`` goes through, chosen as curl chooses.

``--proxy URL`` wins over the environment, and an empty one turns proxies off. Otherwise
``http_proxy`` serves http:// URLs and ``https_proxy`` https:// ones, with ``all_proxy`` for
both; each is also read upper-case, the lower-case one first. (curl never reads
``HTTP_PROXY``, since a CGI server puts a client's ``Proxy:`` header there; it is read here
too, except when ``REQUEST_METHOD`` says we run under CGI, as Python's urllib does.)
``no_proxy`` lists the hosts that go direct, whichever way the proxy was given. Pure
functions of their arguments: imports the standard library only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

#: The port of a proxy URL that gives none (curl's).
DEFAULT_PORT = 1080


class ProxyURLError(ValueError):
    """A proxy URL this client cannot use; the message says why."""


def choose(
    host: str, tls: bool, given: str | None, environ: Mapping[str, str]
) -> tuple[str, int] | None:
    """``(host for set_http_proxy / set_https_proxy, port)`` for a request to ``host``, or
    ``None`` to go direct. ``given`` is ``--proxy`` (``None`` when absent). Raises
    ``ProxyURLError`` for a proxy URL that cannot be used."""
    excluded = _variable(environ, "no_proxy")
    if excluded and bypassed(host, excluded):
        return None
    if given is None:
        given = _variable(environ, "https_proxy" if tls else "http_proxy") or _variable(
            environ, "all_proxy"
        )
    return parse_proxy_url(given) if given else None


def _variable(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if value or (name == "http_proxy" and "REQUEST_METHOD" in environ):
        return value
    return environ.get(name.upper(), "").strip()


def parse_proxy_url(text: str) -> tuple[str, int]:
    """``[http://][user[:password]@]host[:port]``, the credentials percent-decoded, as the
    host and port HTTPClient's proxy setters take."""
    parts = urlsplit(text if "://" in text else f"http://{text}")
    if parts.scheme.lower() != "http":
        raise ProxyURLError(
            f"proxy {text!r}: only http:// proxies are supported (not {parts.scheme}://)"
        )
    if not parts.hostname:
        raise ProxyURLError(f"proxy {text!r} names no host")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ProxyURLError(f"proxy {text!r} has a bad port") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if parts.username:
        user, password = unquote(parts.username), unquote(parts.password or "")
        host = f"{user}:{password}@{host}"
    return host, port


def bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``no_proxy`` (comma-separated) names ``host``: ``*`` names every host; a name
    names itself and its subdomains (a leading dot changes nothing); an address names itself;
    an address with a prefix length (``10.0.0.0/8``) names the addresses in that range.
    Case does not matter."""
    host = host.lower().strip("[]").rstrip(".")
    address = _address(host)
    for entry in no_proxy.lower().split(","):
        entry = entry.strip().strip("[]")
        if entry == "*":
            return True
        if "/" in entry:
            try:
                if address is not None and address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        entry = entry.lstrip(".").rstrip(".")
        if not entry:
            continue
        if address is not None:
            if address == _address(entry):
                return True
        elif host == entry or host.endswith(f".{entry}"):
            return True
    return False


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
