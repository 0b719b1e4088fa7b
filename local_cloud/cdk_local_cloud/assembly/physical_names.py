"""Deterministic physical names and ids for resources whose template gives none.

CloudFormation makes such names from the stack name, the logical id and a random suffix. Here the suffix
is a hash of the stack and logical id, so every run of the local cloud on the same app gives the same names,
URLs and ids (a bookmarked local URL keeps working across restarts).
"""

import hashlib
import string
import uuid

__all__ = ["generated_name", "short_id", "uuid_like"]

_ALPHABET = string.digits + string.ascii_lowercase
_SUFFIX_LENGTH = 12


def generated_name(stack: str, logical_id: str, *, max_length: int, lowercase: bool = False) -> str:
    """``{stack}-{logicalId}-{SUFFIX}`` within ``max_length``, as CloudFormation names unnamed resources."""
    suffix = short_id(stack, logical_id, length=_SUFFIX_LENGTH).upper()
    room = max_length - len(suffix) - 2
    stack_part = stack[: room // 2]
    name = f"{stack_part}-{logical_id[: room - len(stack_part)]}-{suffix}"
    return name.lower() if lowercase else name


def short_id(*parts: str, length: int = 10) -> str:
    """``length`` lowercase letters and digits derived from ``parts``, like API Gateway's ids."""
    number = int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest())
    characters = []
    for _ in range(length):
        number, index = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[index])
    return "".join(characters)


def uuid_like(*parts: str) -> str:
    """A UUID derived from ``parts``, for ids that AWS gives as UUIDs (event source mappings)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))
