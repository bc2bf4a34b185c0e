"""net.settings: names, defaults, the environment variable, and the exceptions it raises."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from net import settings

Setter = Callable[[str, str | int], None]


def test_the_keys_and_their_defaults() -> None:
    assert dict(settings.DEFAULTS) == {
        "network/ssl/certificates": "",
        "network/limits/tcp/connect_timeout_seconds": 30,
        "network/limits/http/blocking_timeout_seconds": 30,
    }
    assert settings.CERTIFICATES == "network/ssl/certificates"
    assert settings.CONNECT_TIMEOUT == "network/limits/tcp/connect_timeout_seconds"
    assert settings.BLOCKING_TIMEOUT == "network/limits/http/blocking_timeout_seconds"


def _read_in_subprocess(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ENGINE_NET_CERTIFICATES"}
    if env_value is not None:
        env["ENGINE_NET_CERTIFICATES"] = env_value
    code = (
        "from net.settings import get_setting; "
        "print(repr(get_setting('network/ssl/certificates')), "
        "get_setting('network/limits/tcp/connect_timeout_seconds'), "
        "get_setting('network/limits/http/blocking_timeout_seconds'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_fresh_process_starts_with_the_defaults() -> None:
    assert _read_in_subprocess(None) == "'' 30 30"


def test_the_environment_variable_sets_the_certificates_at_import() -> None:
    assert _read_in_subprocess("/etc/ssl/private-ca.pem") == "'/etc/ssl/private-ca.pem' 30 30"


def test_set_then_get(net_settings: Setter) -> None:
    settings.set_setting(settings.CERTIFICATES, "/tmp/bundle.pem")
    settings.set_setting(settings.CONNECT_TIMEOUT, 5)
    settings.set_setting(settings.BLOCKING_TIMEOUT, 0)
    assert settings.get_setting(settings.CERTIFICATES) == "/tmp/bundle.pem"
    assert settings.get_setting(settings.CONNECT_TIMEOUT) == 5
    assert settings.get_setting(settings.BLOCKING_TIMEOUT) == 0
    assert settings.get_str(settings.CERTIFICATES) == "/tmp/bundle.pem"
    assert settings.get_int(settings.CONNECT_TIMEOUT) == 5


def test_stored_values_are_plain_types(net_settings: Setter) -> None:
    class Path(str):
        pass

    settings.set_setting(settings.CERTIFICATES, Path("/x.pem"))
    assert type(settings.get_setting(settings.CERTIFICATES)) is str


@pytest.mark.parametrize("name", ["network/ssl/certificate", "", "NETWORK/SSL/CERTIFICATES"])
def test_unknown_names_raise_key_error(name: str) -> None:
    with pytest.raises(KeyError, match="unknown setting"):
        settings.get_setting(name)
    with pytest.raises(KeyError, match="unknown setting"):
        settings.set_setting(name, "")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("network/ssl/certificates", 1),
        ("network/ssl/certificates", None),
        ("network/ssl/certificates", b"/x.pem"),
        ("network/limits/tcp/connect_timeout_seconds", "30"),
        ("network/limits/tcp/connect_timeout_seconds", 1.5),
        ("network/limits/tcp/connect_timeout_seconds", True),
        ("network/limits/http/blocking_timeout_seconds", False),
        ("network/limits/http/blocking_timeout_seconds", None),
    ],
)
def test_wrong_types_raise_type_error(name: str, value: object, net_settings: Setter) -> None:
    before = settings.get_setting(name)
    with pytest.raises(TypeError, match="takes a"):
        settings.set_setting(name, value)  # type: ignore[arg-type]
    assert settings.get_setting(name) == before


@pytest.mark.parametrize(
    "name",
    ["network/limits/tcp/connect_timeout_seconds", "network/limits/http/blocking_timeout_seconds"],
)
def test_negative_timeouts_raise_value_error(name: str, net_settings: Setter) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        settings.set_setting(name, -1)
    assert settings.get_setting(name) == 30


def test_typed_getters_refuse_the_other_kind() -> None:
    with pytest.raises(TypeError):
        settings.get_int(settings.CERTIFICATES)
    with pytest.raises(TypeError):
        settings.get_str(settings.CONNECT_TIMEOUT)


def test_settings_never_log(caplog: pytest.LogCaptureFixture, net_settings: Setter) -> None:
    caplog.set_level(logging.DEBUG)
    settings.set_setting(settings.CONNECT_TIMEOUT, 3)
    settings.get_setting(settings.CONNECT_TIMEOUT)
    for bad in ("nope", settings.CONNECT_TIMEOUT):
        with pytest.raises((KeyError, TypeError)):
            settings.set_setting(bad, "x")
    assert caplog.records == []
