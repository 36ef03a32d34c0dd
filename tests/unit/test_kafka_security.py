"""Kafka TLS and SASL settings from the environment, and the arguments built from them."""

import os
import re
import ssl
from collections.abc import Callable
from pathlib import Path

import faust
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from services.config import Settings
from services.streaming.kafka_security import broker_credentials, client_options
from tests.certificates import Certificates, make_certificates

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    """Settings from exactly these PATHFINDER_ variables (names without the prefix)."""
    for name in list(os.environ):
        if name.startswith("PATHFINDER_"):
            monkeypatch.delenv(name)

    def settings(**variables: str | Path) -> Settings:
        for name, value in variables.items():
            monkeypatch.setenv(f"PATHFINDER_{name}", str(value))
        return Settings()

    return settings


def test_plaintext_by_default(environment):
    settings = environment()
    assert client_options(settings) == {"security_protocol": "PLAINTEXT"}
    assert broker_credentials(settings) is None


def test_tls_verifies_the_broker_against_the_configured_ca(environment, certificates):
    settings = environment(KAFKA_SECURITY_PROTOCOL="SSL", KAFKA_SSL_CAFILE=certificates.ca)
    options = client_options(settings)
    context = options["ssl_context"]
    assert options["security_protocol"] == "SSL"
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    issuers = [dict(item[0] for item in ca["subject"]) for ca in context.get_ca_certs()]
    assert {"commonName": "pathfinder test CA"} in issuers
    credentials = broker_credentials(settings)
    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials_to_aiokafka_auth(credentials)["security_protocol"] == "SSL"


def test_a_client_certificate_is_loaded_with_its_key(environment, certificates):
    settings = environment(
        KAFKA_SECURITY_PROTOCOL="SSL",
        KAFKA_SSL_CAFILE=certificates.ca,
        KAFKA_SSL_CERTFILE=certificates.cert,
        KAFKA_SSL_KEYFILE=certificates.key,
    )
    assert client_options(settings)["ssl_context"].verify_mode == ssl.CERT_REQUIRED


def test_a_key_that_is_not_the_certificates_is_refused_by_name(environment, certificates):
    settings = environment(
        KAFKA_SECURITY_PROTOCOL="SSL",
        KAFKA_SSL_CERTFILE=certificates.ca,  # the CA's certificate, with the leaf's key
        KAFKA_SSL_KEYFILE=certificates.key,
    )
    named = "PATHFINDER_KAFKA_SSL_CERTFILE and PATHFINDER_KAFKA_SSL_KEYFILE: not a PEM certificate"
    with pytest.raises(ValueError, match=named):
        client_options(settings)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_over_tls_gives_faust_and_aiokafka_the_same_arguments(
    environment, certificates, mechanism
):
    settings = environment(
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SSL_CAFILE=certificates.ca,
        KAFKA_SASL_MECHANISM=mechanism,
        KAFKA_SASL_USERNAME="pathfinder-intake",
        KAFKA_SASL_PASSWORD=PASSWORD,
    )
    expected = {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "pathfinder-intake",
        "sasl_plain_password": PASSWORD,
    }
    options = client_options(settings)
    faust_options = credentials_to_aiokafka_auth(broker_credentials(settings))
    for built in (options, faust_options):
        assert {name: built[name] for name in expected} == expected
        assert isinstance(built["ssl_context"], ssl.SSLContext)


def test_sasl_over_plaintext_takes_the_password_from_a_file(environment, tmp_path):
    secret = tmp_path / "kafka-password"
    secret.write_text(PASSWORD + "\n")  # as secrets mounted from Kubernetes often end
    settings = environment(
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-256",
        KAFKA_SASL_USERNAME="pathfinder-intake",
        KAFKA_SASL_PASSWORD_FILE=secret,
    )
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_plain_password"] == PASSWORD
    assert "ssl_context" not in options
    assert credentials_to_aiokafka_auth(broker_credentials(settings))["ssl_context"] is None


def test_the_password_is_never_shown_by_the_settings(environment):
    settings = environment(
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_MECHANISM="PLAIN",
        KAFKA_SASL_USERNAME="pathfinder-intake",
        KAFKA_SASL_PASSWORD=PASSWORD,
    )
    assert PASSWORD not in str(settings)
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in repr(broker_credentials(settings))


def test_the_password_is_never_shown_by_a_validation_error(environment):
    with pytest.raises(ValidationError) as refused:
        environment(KAFKA_SECURITY_PROTOCOL="SASL_SSL", KAFKA_SASL_PASSWORD=PASSWORD)
    shown = (str(refused.value), repr(refused.value), refused.value.json(), refused.value.errors())
    assert "PATHFINDER_KAFKA_SASL_MECHANISM is required with SASL_SSL" in shown[0]
    assert all(PASSWORD not in str(text) for text in shown)


def test_a_missing_file_is_named(environment, tmp_path):
    missing = tmp_path / "no-such-ca.pem"
    named = f"PATHFINDER_KAFKA_SSL_CAFILE: cannot read {missing}: No such file"
    with pytest.raises(ValidationError, match=re.escape(named)):
        environment(KAFKA_SECURITY_PROTOCOL="SSL", KAFKA_SSL_CAFILE=missing)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_PASSWORD": PASSWORD},
         "PATHFINDER_KAFKA_SASL_USERNAME is required with SASL_PLAINTEXT"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "PLAIN",
          "KAFKA_SASL_USERNAME": "intake"},
         "SASL_SSL needs one of PATHFINDER_KAFKA_SASL_PASSWORD and"),
        ({"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CERTFILE": "{cert}"},
         "set both PATHFINDER_KAFKA_SSL_CERTFILE and PATHFINDER_KAFKA_SSL_KEYFILE"),
        ({"KAFKA_SSL_CAFILE": "{ca}"},
         "PATHFINDER_KAFKA_SSL_CAFILE is set but PATHFINDER_KAFKA_SECURITY_PROTOCOL is PLAINTEXT"),
        ({"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SASL_USERNAME": "intake"},
         "PATHFINDER_KAFKA_SASL_USERNAME is set but PATHFINDER_KAFKA_SECURITY_PROTOCOL is SSL"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "GSSAPI"},
         "kafka_sasl_mechanism"),
    ],
)  # fmt: skip
def test_incomplete_or_contradictory_security_settings_are_refused_by_name(
    environment, certificates, variables, named
):
    paths = {"ca": certificates.ca, "cert": certificates.cert}
    with pytest.raises(ValidationError, match=named):
        environment(**{name: value.format(**paths) for name, value in variables.items()})


def test_both_a_password_and_a_password_file_are_refused(environment, tmp_path):
    secret = tmp_path / "kafka-password"
    secret.write_text(PASSWORD)
    with pytest.raises(ValidationError, match="needs one of PATHFINDER_KAFKA_SASL_PASSWORD"):
        environment(
            KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
            KAFKA_SASL_MECHANISM="PLAIN",
            KAFKA_SASL_USERNAME="intake",
            KAFKA_SASL_PASSWORD=PASSWORD,
            KAFKA_SASL_PASSWORD_FILE=secret,
        )


def test_an_empty_password_file_is_refused(environment, tmp_path):
    secret = tmp_path / "kafka-password"
    secret.write_text("\n")
    with pytest.raises(ValidationError, match=f"PASSWORD_FILE: {secret} is empty"):
        environment(
            KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
            KAFKA_SASL_MECHANISM="PLAIN",
            KAFKA_SASL_USERNAME="intake",
            KAFKA_SASL_PASSWORD_FILE=secret,
        )
