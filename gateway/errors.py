"""One root exception for the package and a shallow tree by kind of failure.

Every error a peer or a national system must act on carries a :class:`~gateway.reasons.Reason`
(its machine-readable code) and a message that names the field and the rule.
"""

from __future__ import annotations

from gateway.reasons import Reason


class GatewayError(Exception):
    """Root of every error the gateway raises on purpose."""

    reason: Reason = Reason.INTERNAL_ERROR

    def __init__(self, message: str, *, reason: Reason | None = None, field: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason
        self.field = field  # the offending field (path of element names), when one is known

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.message}"


class WireError(GatewayError):
    """The bytes are not an acceptable message: hostile or broken XML, schema, envelope."""


class SignatureError(WireError):
    """The signature is missing, malformed, or does not hold."""


class CertificateError(SignatureError):
    """The signer's certificate is not acceptable for the side the message claims."""


class RuleError(WireError):
    """The message breaks a rule of its treaty profile (content rule, reference data)."""


class ConfigError(GatewayError):
    """A configuration or profile file is wrong; the message names the file and the key."""

    reason = Reason.CONFIG_INVALID


class InputError(GatewayError):
    """A local file or argument given to the command line cannot be used."""

    reason = Reason.INPUT_UNREADABLE
