"""S3 errors: one class per S3 error code, rendered as S3's XML error document.

Handlers raise these; the error middleware turns them into responses. Extra
elements (``RequestTime``, ``StringToSign``, ``BucketName``...) go in ``fields``
and are emitted in order after ``Message``.
"""

from __future__ import annotations

import re
from typing import ClassVar

# XML 1.0 has no way to carry these, not even as character references; lone
# surrogates are request bytes that were not UTF-8 (aiohttp's surrogate escapes).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;", "\n": "&#xA;",
            "\t": "&#x9;"}
_TO_ESCAPE = re.compile(r"[&<>\r\n\t]")


def _raw(char: str) -> bytes:
    """The bytes behind one character: a surrogate escape's original byte."""
    try:
        return char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return char.encode("utf-8", "surrogatepass")


def escape(text: str) -> str:
    """Escape for an error document, which must always parse.

    Characters XML 1.0 cannot represent are percent-encoded (the fields are
    informational: keys and resources), the rest are escaped as usual.
    """
    text = _NOT_XML.sub(lambda m: "%" + "%".join(f"{b:02X}" for b in _raw(m.group(0))), text)
    return _TO_ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], text)


class S3Error(Exception):
    """Base for every S3 error; subclasses set ``code``, ``status`` and ``message``."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "We encountered an internal error. Please try again."

    def __init__(self, message: str | None = None, /, **fields: object) -> None:
        self.detail = message or self.message
        self.fields: dict[str, str] = {k: str(v) for k, v in fields.items() if v is not None}
        self.headers: dict[str, str] = {}
        super().__init__(f"{self.code}: {self.detail}")

    def to_xml(self, resource: str, request_id: str, host_id: str = "") -> bytes:
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
            f"<Code>{self.code}</Code>",
            f"<Message>{escape(self.detail)}</Message>",
        ]
        for name, value in self.fields.items():
            parts.append(f"<{name}>{escape(value)}</{name}>")
        parts.append(f"<Resource>{escape(resource)}</Resource>")
        parts.append(f"<RequestId>{request_id}</RequestId>")
        if host_id:
            parts.append(f"<HostId>{host_id}</HostId>")
        parts.append("</Error>")
        return "".join(parts).encode("utf-8")


def _error(code: str, status: int, message: str) -> type[S3Error]:
    return type(code, (S3Error,), {"code": code, "status": status, "message": message})


# 400
AccessControlListNotSupported = _error(
    "AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
AuthorizationHeaderMalformed = _error(
    "AuthorizationHeaderMalformed", 400, "The authorization header is malformed.")
AuthorizationQueryParametersError = _error(
    "AuthorizationQueryParametersError", 400,
    "Error parsing the X-Amz-Credential parameter.")
BadDigest = _error(
    "BadDigest", 400, "The Content-MD5 you specified did not match what we received.")
EntityTooLarge = _error(
    "EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size.")
EntityTooSmall = _error(
    "EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.")
IncompleteBody = _error(
    "IncompleteBody", 400,
    "You did not provide the number of bytes specified by the Content-Length HTTP header.")
InvalidArgument = _error("InvalidArgument", 400, "Invalid Argument")
InvalidBucketName = _error("InvalidBucketName", 400, "The specified bucket is not valid.")
InvalidDigest = _error("InvalidDigest", 400, "The Content-MD5 you specified is not valid.")
InvalidURI = _error("InvalidURI", 400, "Couldn't parse the specified URI.")
InvalidLocationConstraint = _error(
    "InvalidLocationConstraint", 400, "The specified location-constraint is not valid.")
IllegalLocationConstraintException = _error(
    "IllegalLocationConstraintException", 400,
    "The unspecified location constraint is incompatible for the region specific "
    "endpoint this request was sent to.")
InvalidRequest = _error("InvalidRequest", 400, "Invalid Request")
InvalidBucketAclWithObjectOwnership = _error(
    "InvalidBucketAclWithObjectOwnership", 400,
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
InvalidPart = _error(
    "InvalidPart", 400,
    "One or more of the specified parts could not be found. The part may not have been "
    "uploaded, or the specified entity tag may not match the part's entity tag.")
InvalidPartOrder = _error(
    "InvalidPartOrder", 400, "The list of parts was not in ascending order. "
    "Parts must be ordered by part number.")
InvalidStorageClass = _error(
    "InvalidStorageClass", 400, "The storage class you specified is not valid.")
KeyTooLongError = _error("KeyTooLongError", 400, "Your key is too long.")
MalformedPolicy = _error("MalformedPolicy", 400, "This policy contains invalid Json")
MaxMessageLengthExceeded = _error(
    "MaxMessageLengthExceeded", 400, "Your request was too big.")
MalformedACLError = _error(
    "MalformedACLError", 400, "The XML you provided was not well-formed or did not validate "
    "against our published schema")
UnresolvableGrantByEmailAddress = _error(
    "UnresolvableGrantByEmailAddress", 400,
    "The e-mail address you provided does not match any account on record.")
MalformedXML = _error(
    "MalformedXML", 400, "The XML you provided was not well-formed or did not validate "
    "against our published schema.")
MetadataTooLarge = _error(
    "MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")
MalformedTrailerError = _error(
    "MalformedTrailerError", 400, "The request contained trailing data that was not "
    "well-formed or did not conform to our published schema.")
MissingContentLength = _error(
    "MissingContentLength", 411, "You must provide the Content-Length HTTP header.")
BadRequest = _error(
    "BadRequest", 400, "An error occurred when parsing the HTTP request.")
RequestHeaderSectionTooLarge = _error(
    "RequestHeaderSectionTooLarge", 400,
    "Your request header section exceeds the maximum allowed size.")
RequestTimeout = _error(
    "RequestTimeout", 400, "Your socket connection to the server was not read from or "
    "written to within the timeout period.")
RequestTimeTooSkewed = _error(
    "RequestTimeTooSkewed", 403,
    "The difference between the request time and the current time is too large.")
TooManyBuckets = _error(
    "TooManyBuckets", 400, "You have attempted to create more buckets than allowed.")
UnexpectedContent = _error(
    "UnexpectedContent", 400, "This request does not support content.")
XAmzContentSHA256Mismatch = _error(
    "XAmzContentSHA256Mismatch", 400,
    "The provided 'x-amz-content-sha256' header does not match what was computed.")
InvalidEncodingType = _error("InvalidArgument", 400, "Invalid Encoding Method specified in Request")

# 403
AccessDenied = _error("AccessDenied", 403, "Access Denied")
InvalidAccessKeyId = _error(
    "InvalidAccessKeyId", 403,
    "The AWS Access Key Id you provided does not exist in our records.")
SignatureDoesNotMatch = _error(
    "SignatureDoesNotMatch", 403,
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method.")
MissingSecurityHeader = _error(
    "MissingSecurityHeader", 400, "Your request is missing a required header.")

# 404
NoSuchBucket = _error("NoSuchBucket", 404, "The specified bucket does not exist")
NoSuchBucketPolicy = _error("NoSuchBucketPolicy", 404, "The bucket policy does not exist")
NoSuchPublicAccessBlockConfiguration = _error(
    "NoSuchPublicAccessBlockConfiguration", 404,
    "The public access block configuration was not found")
OwnershipControlsNotFoundError = _error(
    "OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found")
NoSuchKey = _error("NoSuchKey", 404, "The specified key does not exist.")
NoSuchUpload = _error(
    "NoSuchUpload", 404, "The specified multipart upload does not exist. The upload ID "
    "may be invalid, or the upload may have been aborted or completed.")

# 405, 409, 411, 412, 416
MethodNotAllowed = _error(
    "MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
BucketAlreadyExists = _error(
    "BucketAlreadyExists", 409, "The requested bucket name is not available. The bucket "
    "namespace is shared by all users of the system. Please select a different name and "
    "try again.")
BucketAlreadyOwnedByYou = _error(
    "BucketAlreadyOwnedByYou", 409,
    "Your previous request to create the named bucket succeeded and you already own it.")
BucketNotEmpty = _error(
    "BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
OperationAborted = _error(
    "OperationAborted", 409, "A conflicting conditional operation is currently in progress "
    "against this resource. Please try again.")
PreconditionFailed = _error(
    "PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold")
InvalidRange = _error("InvalidRange", 416, "The requested range is not satisfiable")
InvalidPartNumber = _error("InvalidPartNumber", 416, "The requested partnumber is not satisfiable")

# 5xx
InternalError = S3Error
NotImplementedError_ = _error(
    "NotImplemented", 501, "A header you provided implies functionality that is not implemented.")
ServiceUnavailable = _error(
    "ServiceUnavailable", 503, "Service is unable to handle request.")
SlowDown = _error("SlowDown", 503, "Please reduce your request rate.")

# S3 calls it "NotImplemented"; the Python name avoids shadowing the builtin constant.
S3NotImplemented = NotImplementedError_
