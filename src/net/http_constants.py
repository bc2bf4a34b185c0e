"""The constants HTTPClient binds: its Method, Status and ResponseCode enums, with descriptions.

Data only (the engine's values, httpclient.md §1.2), kept apart so ``http_client.py`` reads as
the client. Imports the standard library only.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final


class Method(IntEnum):
    """Request methods (``HTTPClient.Method``); on the wire, the name without ``METHOD_``."""

    METHOD_GET = 0
    METHOD_HEAD = 1
    METHOD_POST = 2
    METHOD_PUT = 3
    METHOD_DELETE = 4
    METHOD_OPTIONS = 5
    METHOD_TRACE = 6
    METHOD_CONNECT = 7
    METHOD_PATCH = 8
    METHOD_MAX = 9


class Status(IntEnum):
    """The client's status (``HTTPClient.Status``)."""

    STATUS_DISCONNECTED = 0
    STATUS_RESOLVING = 1
    STATUS_CANT_RESOLVE = 2
    STATUS_CONNECTING = 3
    STATUS_CANT_CONNECT = 4
    STATUS_CONNECTED = 5
    STATUS_REQUESTING = 6
    STATUS_BODY = 7
    STATUS_CONNECTION_ERROR = 8
    STATUS_SSL_HANDSHAKE_ERROR = 9


class ResponseCode(IntEnum):
    """Named response status codes (``HTTPClient.ResponseCode``)."""

    RESPONSE_CONTINUE = 100
    RESPONSE_SWITCHING_PROTOCOLS = 101
    RESPONSE_PROCESSING = 102
    RESPONSE_OK = 200
    RESPONSE_CREATED = 201
    RESPONSE_ACCEPTED = 202
    RESPONSE_NON_AUTHORITATIVE_INFORMATION = 203
    RESPONSE_NO_CONTENT = 204
    RESPONSE_RESET_CONTENT = 205
    RESPONSE_PARTIAL_CONTENT = 206
    RESPONSE_MULTI_STATUS = 207
    RESPONSE_ALREADY_REPORTED = 208
    RESPONSE_IM_USED = 226
    RESPONSE_MULTIPLE_CHOICES = 300
    RESPONSE_MOVED_PERMANENTLY = 301
    RESPONSE_FOUND = 302
    RESPONSE_SEE_OTHER = 303
    RESPONSE_NOT_MODIFIED = 304
    RESPONSE_USE_PROXY = 305
    RESPONSE_SWITCH_PROXY = 306
    RESPONSE_TEMPORARY_REDIRECT = 307
    RESPONSE_PERMANENT_REDIRECT = 308
    RESPONSE_BAD_REQUEST = 400
    RESPONSE_UNAUTHORIZED = 401
    RESPONSE_PAYMENT_REQUIRED = 402
    RESPONSE_FORBIDDEN = 403
    RESPONSE_NOT_FOUND = 404
    RESPONSE_METHOD_NOT_ALLOWED = 405
    RESPONSE_NOT_ACCEPTABLE = 406
    RESPONSE_PROXY_AUTHENTICATION_REQUIRED = 407
    RESPONSE_REQUEST_TIMEOUT = 408
    RESPONSE_CONFLICT = 409
    RESPONSE_GONE = 410
    RESPONSE_LENGTH_REQUIRED = 411
    RESPONSE_PRECONDITION_FAILED = 412
    RESPONSE_REQUEST_ENTITY_TOO_LARGE = 413
    RESPONSE_REQUEST_URI_TOO_LONG = 414
    RESPONSE_UNSUPPORTED_MEDIA_TYPE = 415
    RESPONSE_REQUESTED_RANGE_NOT_SATISFIABLE = 416
    RESPONSE_EXPECTATION_FAILED = 417
    RESPONSE_IM_A_TEAPOT = 418
    RESPONSE_MISDIRECTED_REQUEST = 421
    RESPONSE_UNPROCESSABLE_ENTITY = 422
    RESPONSE_LOCKED = 423
    RESPONSE_FAILED_DEPENDENCY = 424
    RESPONSE_UPGRADE_REQUIRED = 426
    RESPONSE_PRECONDITION_REQUIRED = 428
    RESPONSE_TOO_MANY_REQUESTS = 429
    RESPONSE_REQUEST_HEADER_FIELDS_TOO_LARGE = 431
    RESPONSE_UNAVAILABLE_FOR_LEGAL_REASONS = 451
    RESPONSE_INTERNAL_SERVER_ERROR = 500
    RESPONSE_NOT_IMPLEMENTED = 501
    RESPONSE_BAD_GATEWAY = 502
    RESPONSE_SERVICE_UNAVAILABLE = 503
    RESPONSE_GATEWAY_TIMEOUT = 504
    RESPONSE_HTTP_VERSION_NOT_SUPPORTED = 505
    RESPONSE_VARIANT_ALSO_NEGOTIATES = 506
    RESPONSE_INSUFFICIENT_STORAGE = 507
    RESPONSE_LOOP_DETECTED = 508
    RESPONSE_NOT_EXTENDED = 510
    RESPONSE_NETWORK_AUTH_REQUIRED = 511


#: One short description per bound constant, for the generated class reference.
CONSTANT_DOCS: Final[dict[str, str]] = {
    "METHOD_GET": "Ask for the target resource; the reply carries it in the body.",
    "METHOD_HEAD": "Like GET, but the reply has headers only, never a body.",
    "METHOD_POST": "Hand the body to the target for processing (forms, uploads).",
    "METHOD_PUT": "Create or replace the target resource with the body.",
    "METHOD_DELETE": "Remove the target resource.",
    "METHOD_OPTIONS": "Ask what the target (or [code]*[/code]) supports.",
    "METHOD_TRACE": "Ask the server to echo the request back; no body allowed.",
    "METHOD_CONNECT": "Open a tunnel to [code]host:port[/code] through a proxy.",
    "METHOD_PATCH": "Apply the partial change in the body to the target.",
    "METHOD_MAX": "The number of methods; not a method itself.",
    "STATUS_DISCONNECTED": "No connection: at first, after [method close] or a closed reply.",
    "STATUS_RESOLVING": "Waiting for the host name to resolve.",
    "STATUS_CANT_RESOLVE": "The host name could not be resolved.",
    "STATUS_CONNECTING": "Opening the TCP connection, then TLS if asked.",
    "STATUS_CANT_CONNECT": "No address of the host took the connection.",
    "STATUS_CONNECTED": "Connected and idle: ready for a request.",
    "STATUS_REQUESTING": "Sending a request, or waiting for its response head.",
    "STATUS_BODY": "The head is in; read the body now.",
    "STATUS_CONNECTION_ERROR": "The connection broke, timed out or got a bad reply.",
    "STATUS_SSL_HANDSHAKE_ERROR": "The TLS handshake or its certificate check failed.",
    "RESPONSE_CONTINUE": "Interim: send the request body.",
    "RESPONSE_SWITCHING_PROTOCOLS": "Switching to the requested protocol.",
    "RESPONSE_PROCESSING": "WebDAV interim: still working.",
    "RESPONSE_OK": "The request succeeded.",
    "RESPONSE_CREATED": "Success; a new resource was made.",
    "RESPONSE_ACCEPTED": "Taken in, not processed yet.",
    "RESPONSE_NON_AUTHORITATIVE_INFORMATION": "Success; a proxy changed it.",
    "RESPONSE_NO_CONTENT": "Success, and there is no body.",
    "RESPONSE_RESET_CONTENT": "Success; clear the form that sent it.",
    "RESPONSE_PARTIAL_CONTENT": "The body holds the requested ranges.",
    "RESPONSE_MULTI_STATUS": "WebDAV: one status per resource.",
    "RESPONSE_ALREADY_REPORTED": "WebDAV: members listed earlier.",
    "RESPONSE_IM_USED": "Delta encoding applied (RFC 3229).",
    "RESPONSE_MULTIPLE_CHOICES": "Several versions exist; pick one.",
    "RESPONSE_MOVED_PERMANENTLY": "Moved for good to [code]Location[/code].",
    "RESPONSE_FOUND": "For now at the URL in [code]Location[/code].",
    "RESPONSE_SEE_OTHER": "GET the result from [code]Location[/code].",
    "RESPONSE_NOT_MODIFIED": "The cached copy is still valid.",
    "RESPONSE_USE_PROXY": "Deprecated; do not use.",
    "RESPONSE_SWITCH_PROXY": "No longer used; reserved.",
    "RESPONSE_TEMPORARY_REDIRECT": "Repeat as is at [code]Location[/code].",
    "RESPONSE_PERMANENT_REDIRECT": "Moved for good; keep the method.",
    "RESPONSE_BAD_REQUEST": "The server cannot make sense of the request.",
    "RESPONSE_UNAUTHORIZED": "Credentials are missing or wrong.",
    "RESPONSE_PAYMENT_REQUIRED": "Reserved for future use.",
    "RESPONSE_FORBIDDEN": "Refused, whoever the client is.",
    "RESPONSE_NOT_FOUND": "Nothing at the target (or not telling).",
    "RESPONSE_METHOD_NOT_ALLOWED": "The target refuses this method.",
    "RESPONSE_NOT_ACCEPTABLE": "No version fits [code]Accept[/code].",
    "RESPONSE_PROXY_AUTHENTICATION_REQUIRED": "The proxy wants credentials.",
    "RESPONSE_REQUEST_TIMEOUT": "The server stopped waiting for the request.",
    "RESPONSE_CONFLICT": "Clashes with the resource's current state.",
    "RESPONSE_GONE": "The resource was removed for good.",
    "RESPONSE_LENGTH_REQUIRED": "A [code]Content-Length[/code] is required.",
    "RESPONSE_PRECONDITION_FAILED": "A request condition was false.",
    "RESPONSE_REQUEST_ENTITY_TOO_LARGE": "The body is too large.",
    "RESPONSE_REQUEST_URI_TOO_LONG": "The target is too long.",
    "RESPONSE_UNSUPPORTED_MEDIA_TYPE": "The body's format is refused.",
    "RESPONSE_REQUESTED_RANGE_NOT_SATISFIABLE": "No range can be served.",
    "RESPONSE_EXPECTATION_FAILED": "[code]Expect[/code] cannot be met.",
    "RESPONSE_IM_A_TEAPOT": "An April Fools' joke (RFC 2324).",
    "RESPONSE_MISDIRECTED_REQUEST": "Wrong server for this host.",
    "RESPONSE_UNPROCESSABLE_ENTITY": "Well-formed but cannot be processed.",
    "RESPONSE_LOCKED": "WebDAV: the resource is locked.",
    "RESPONSE_FAILED_DEPENDENCY": "WebDAV: a prior action failed.",
    "RESPONSE_UPGRADE_REQUIRED": "Switch to the protocol in [code]Upgrade[/code].",
    "RESPONSE_PRECONDITION_REQUIRED": "The request must be conditional.",
    "RESPONSE_TOO_MANY_REQUESTS": "Rate limited; slow down and retry later.",
    "RESPONSE_REQUEST_HEADER_FIELDS_TOO_LARGE": "The headers are too large.",
    "RESPONSE_UNAVAILABLE_FOR_LEGAL_REASONS": "Blocked by a legal demand.",
    "RESPONSE_INTERNAL_SERVER_ERROR": "The server failed unexpectedly.",
    "RESPONSE_NOT_IMPLEMENTED": "The server does not support the method.",
    "RESPONSE_BAD_GATEWAY": "A gateway got a bad reply from upstream.",
    "RESPONSE_SERVICE_UNAVAILABLE": "Overloaded or down; retry later.",
    "RESPONSE_GATEWAY_TIMEOUT": "A gateway got no reply from upstream in time.",
    "RESPONSE_HTTP_VERSION_NOT_SUPPORTED": "That HTTP version is refused.",
    "RESPONSE_VARIANT_ALSO_NEGOTIATES": "Negotiation misconfigured.",
    "RESPONSE_INSUFFICIENT_STORAGE": "WebDAV: no room to store it.",
    "RESPONSE_LOOP_DETECTED": "WebDAV: an infinite loop stopped.",
    "RESPONSE_NOT_EXTENDED": "Further extensions are required.",
    "RESPONSE_NETWORK_AUTH_REQUIRED": "Log in to the network first.",
}
