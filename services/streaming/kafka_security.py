"""Kafka TLS and SASL from the settings: faust's broker credentials and aiokafka's arguments.

The workers hand `broker_credentials` to faust; `publish`, `export` and the topic set-up hand
`client_options` to their aiokafka clients. SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, each
over plaintext or TLS, as aiokafka implements them.
"""

import ssl
from typing import TYPE_CHECKING, Any

from services.config import Settings

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """A context verifying the brokers' certificates (and offering ours), or None without TLS."""
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    cafile = settings.kafka_ssl_cafile
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except ssl.SSLError as error:
        raise ValueError(
            f"PATHFINDER_KAFKA_SSL_CAFILE: no PEM CA certificate in {cafile}: {error}"
        ) from None
    if settings.kafka_ssl_certfile and settings.kafka_ssl_keyfile:
        try:
            context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile)
        except ssl.SSLError as error:
            raise ValueError(
                "PATHFINDER_KAFKA_SSL_CERTFILE and PATHFINDER_KAFKA_SSL_KEYFILE: not a PEM"
                f" certificate and its unencrypted key: {error}"
            ) from None
    return context


def sasl_password(settings: Settings) -> str | None:
    """The SASL password: from the environment, else the password file without its line end."""
    if settings.kafka_sasl_password is not None:
        return settings.kafka_sasl_password.get_secret_value()
    if settings.kafka_sasl_password_file is not None:
        return settings.kafka_sasl_password_file.read_text(encoding="utf-8").rstrip("\r\n")
    return None


def broker_credentials(settings: Settings) -> "CredentialsT | None":
    """faust's `broker_credentials`: SASL (over TLS for SASL_SSL), TLS alone, or none."""
    # Imported here: publish and export load this module and need no faust.
    import faust

    context = ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL_"):
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=sasl_password(settings),
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=context,  # with a context, faust speaks SASL_SSL
        )
    return faust.SSLCredentials(context) if context else None


def client_options(settings: Settings | None = None) -> dict[str, Any]:
    """Keyword arguments for aiokafka clients; without settings, the environment's."""
    settings = settings or Settings()
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.kafka_security_protocol.startswith("SASL_"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = sasl_password(settings)
    return options
