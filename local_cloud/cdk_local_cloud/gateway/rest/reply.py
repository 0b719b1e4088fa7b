"""What the gateway answers, before it becomes an aiohttp response: status, headers (repeatable), body."""

from dataclasses import dataclass

__all__ = ["HttpReply"]


@dataclass(frozen=True)
class HttpReply:
    status: int
    # a list of pairs, not a dict: Set-Cookie and friends may repeat
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (case-insensitive), or None."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None
