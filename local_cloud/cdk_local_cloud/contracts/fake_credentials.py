"""The credentials every call to the embedded AWS carries: the local cloud's own and its functions'.

Fake on purpose and the same everywhere, so that nothing on loopback ever holds a developer's real keys.
"""

from collections.abc import Mapping

__all__ = ["FAKE_CREDENTIALS"]

FAKE_CREDENTIALS: Mapping[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
