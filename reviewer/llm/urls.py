"""Small URL facts: is it OpenAI's own host, is it this machine, and a form safe to show."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

OPENAI_HOST = "api.openai.com"


def is_openai_url(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme == "https" and parts.hostname == OPENAI_HOST and _port(parts) in (None, 443)


def is_loopback_url(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def without_credentials(url: str | None) -> str | None:
    """Drop ``user:password@`` and the query string from a URL before it is shown or stored."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = _port(parts)
    if port and port > 0:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:  # not a number, or out of range
        return -1
