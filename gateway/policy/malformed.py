"""The MalformedPolicy messages AWS answers, in one place."""

from __future__ import annotations

from gateway import errors

NOT_JSON_OBJECT = "Policies must be valid JSON and the first byte must be '{'"
INVALID_JSON = "This policy contains invalid Json"
TOO_LARGE = "Policy exceeds the maximum allowed document size."
NO_STATEMENT = "Missing required field Statement"
EMPTY_STATEMENT = "Could not parse the policy: Statement is empty!"
BAD_VERSION = "The policy must contain a valid version string"
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
INVALID_ACTION = "Policy has invalid action"
INVALID_RESOURCE = "Policy has invalid resource"
INVALID_PRINCIPAL = "Invalid principal in policy"
ACTION_RESOURCE_MISMATCH = "Action does not apply to any resource(s) in statement"
CONDITION_MISMATCH = "Conditions do not apply to combination of actions and resources in statement"
INVALID_CONDITION_KEY = "Policy has an invalid condition key"
INVALID_IP = "Invalid IP address in Conditions"


def malformed(message: str) -> errors.S3Error:
    return errors.MalformedPolicy(message)


def missing_field(name: str) -> errors.S3Error:
    return errors.MalformedPolicy(f"Missing required field {name}")


def unknown_field(name: str) -> errors.S3Error:
    return errors.MalformedPolicy(f"Unknown field {name}")


def invalid_effect(value: object) -> errors.S3Error:
    return errors.MalformedPolicy(f"Invalid effect: {value}")


def invalid_condition_type(name: str) -> errors.S3Error:
    return errors.MalformedPolicy(f"Invalid Condition type : {name}")


def invalid_condition_value(operator: str, value: object) -> errors.S3Error:
    return errors.MalformedPolicy(f"Invalid value for condition {operator}: {value}")
