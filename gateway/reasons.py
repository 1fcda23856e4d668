"""The closed list of reason codes.

Every refusal the gateway makes carries one of these codes: on stderr (`error <code>: …`), in a
national-system reply, and in a signed negative receipt.  The receipt schema
(`schemas/xsd/envelope.xsd`, type `ReasonCode`) enumerates the same values; a test keeps the two
lists equal.  Values are the wire values.
"""

from __future__ import annotations

import enum


class Reason(enum.StrEnum):
    # -- the bytes are not an acceptable XML document ------------------------------------------
    XML_TOO_LARGE = "xml-too-large"
    XML_NOT_WELL_FORMED = "xml-not-well-formed"
    XML_ENCODING_INVALID = "xml-encoding-invalid"
    XML_TOO_DEEP = "xml-too-deep"
    XML_DTD_FORBIDDEN = "xml-dtd-forbidden"
    XML_EXTERNAL_DTD = "xml-external-dtd"
    XML_EXTERNAL_ENTITY = "xml-external-entity"
    XML_PARAMETER_ENTITY = "xml-parameter-entity"
    XML_ENTITY_EXPANSION = "xml-entity-expansion"
    XML_XINCLUDE_FORBIDDEN = "xml-xinclude-forbidden"
    XML_SCHEMA_LOCATION_FORBIDDEN = "xml-schema-location-forbidden"
    XML_PROCESSING_INSTRUCTION_FORBIDDEN = "xml-processing-instruction-forbidden"
    XML_COMMENT_FORBIDDEN = "xml-comment-forbidden"
    XML_DUPLICATE_ID = "xml-duplicate-id"
    XML_VERSION_UNSUPPORTED = "xml-version-unsupported"
    XML_NAMESPACE_INVALID = "xml-namespace-invalid"
    XML_TOO_MANY_ELEMENTS = "xml-too-many-elements"
    XML_TOO_MANY_ATTRIBUTES = "xml-too-many-attributes"
    XML_TOO_MANY_NAMESPACES = "xml-too-many-namespaces"
    XML_TOO_MANY_IDS = "xml-too-many-ids"
    VERIFICATION_TIME_EXCEEDED = "verification-time-exceeded"
    # -- the document is XML but not a valid message -------------------------------------------
    ENVELOPE_UNKNOWN = "envelope-unknown"
    ENVELOPE_STRUCTURE_INVALID = "envelope-structure-invalid"
    SCHEMA_INVALID = "schema-invalid"
    SCHEMA_VERSION_UNSUPPORTED = "schema-version-unsupported"
    PROFILE_UNKNOWN = "profile-unknown"
    TYPE_UNKNOWN = "type-unknown"
    BODY_TYPE_MISMATCH = "body-type-mismatch"
    SIDE_NOT_IN_PROFILE = "side-not-in-profile"
    SAME_SIDE = "same-side"
    REFERENCE_DATA_UNKNOWN = "reference-data-unknown"
    RULE_VIOLATED = "rule-violated"
    JSON_INVALID = "json-invalid"
    HEADER_TYPE_MISMATCH = "header-type-mismatch"
    CREATED_IN_FUTURE = "created-in-future"
    RECEIPT_INCONSISTENT = "receipt-inconsistent"
    # -- the signature is missing, malformed or does not hold ----------------------------------
    SIGNATURE_MISSING = "signature-missing"
    SIGNATURE_MULTIPLE = "signature-multiple"
    SIGNATURE_LOCATION_INVALID = "signature-location-invalid"
    SIGNATURE_STRUCTURE_INVALID = "signature-structure-invalid"
    SIGNATURE_REFERENCE_COUNT = "signature-reference-count"
    SIGNATURE_REFERENCE_URI = "signature-reference-uri"
    SIGNATURE_REFERENCE_EXTERNAL = "signature-reference-external"
    SIGNATURE_TRANSFORM_FORBIDDEN = "signature-transform-forbidden"
    SIGNATURE_C14N_INVALID = "signature-c14n-invalid"
    SIGNATURE_ALGORITHM_WEAK = "signature-algorithm-weak"
    SIGNATURE_HMAC_FORBIDDEN = "signature-hmac-forbidden"
    SIGNATURE_ALGORITHM_UNSUPPORTED = "signature-algorithm-unsupported"
    SIGNATURE_KEY_INFO_INVALID = "signature-key-info-invalid"
    SIGNATURE_DIGEST_MISMATCH = "signature-digest-mismatch"
    SIGNATURE_VALUE_INVALID = "signature-value-invalid"
    SIGNATURE_SIGNED_INFO_TOO_LARGE = "signature-signed-info-too-large"
    SIGNATURE_CONTENT_UNSIGNED = "signature-content-unsigned"
    # -- the signer's certificate is not acceptable --------------------------------------------
    CERTIFICATE_MISSING = "certificate-missing"
    CERTIFICATE_INVALID = "certificate-invalid"
    CERTIFICATE_UNTRUSTED = "certificate-untrusted"
    CERTIFICATE_SIDE_MISMATCH = "certificate-side-mismatch"
    CERTIFICATE_EXPIRED = "certificate-expired"
    CERTIFICATE_NOT_YET_VALID = "certificate-not-yet-valid"
    CERTIFICATE_KEY_WEAK = "certificate-key-weak"
    CERTIFICATE_USAGE_INVALID = "certificate-usage-invalid"
    # -- delivery and references (node runtime) ------------------------------------------------
    RECIPIENT_MISMATCH = "recipient-mismatch"
    SENDER_MISMATCH = "sender-mismatch"
    LINK_UNKNOWN = "link-unknown"
    DUPLICATE_CONFLICT = "duplicate-conflict"
    REFERENCE_UNKNOWN = "reference-unknown"
    REFERENCE_FOREIGN = "reference-foreign"
    REFERENCE_TYPE_MISMATCH = "reference-type-mismatch"
    LEAD_TIME_SHORT = "lead-time-short"
    AGREEMENT_ENDED = "agreement-ended"  # the agreement the notice would be sent under has ended
    # -- the operator console: people, sessions, access -----------------------------------------
    SESSION_REQUIRED = "session-required"  # nobody is logged in
    LOGIN_INVALID = "login-invalid"  # unknown name, wrong password or disabled user (never said which)
    LOGIN_THROTTLED = "login-throttled"  # too many failures for this name or address: wait
    CSRF_TOKEN_INVALID = "csrf-token-invalid"  # noqa: S105 - a state change without this session's token
    ROLE_INSUFFICIENT = "role-insufficient"  # the user's role does not allow this
    USER_EXISTS = "user-exists"
    USER_UNKNOWN = "user-unknown"
    FORM_INVALID = "form-invalid"  # a composed notice's form has problems (each named next to its field)
    DRAFT_UNKNOWN = "draft-unknown"
    DRAFT_TRANSITION_INVALID = "draft-transition-invalid"  # the draft is no longer awaiting approval
    APPROVER_IS_DRAFTER = "approver-is-drafter"  # the second approval must come from another operator
    # -- local problems that are not the peer's fault ------------------------------------------
    INPUT_UNREADABLE = "input-unreadable"
    KEY_INVALID = "key-invalid"
    USAGE_INVALID = "usage-invalid"
    CONFIG_INVALID = "config-invalid"
    LOG_CHAIN_BROKEN = "log-chain-broken"
    DOSSIER_DOCUMENT_INVALID = "dossier-document-invalid"
    MESSAGE_UNKNOWN = "message-unknown"  # no message with this id in the node's log
    MESSAGE_UNREADABLE = "message-unreadable"  # a stored message today's wire contract does not read
    EVIDENCE_TOO_LARGE = "evidence-too-large"  # the log since the message is longer than one file holds
    ESCALATION_UNKNOWN = "escalation-unknown"
    ESCALATION_TRANSITION_INVALID = "escalation-transition-invalid"
    STATE_TRANSITION_INVALID = "state-transition-invalid"
    NODE_UNAVAILABLE = "node-unavailable"
    INTERNAL_ERROR = "internal-error"
