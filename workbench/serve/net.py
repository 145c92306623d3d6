"""Small network helpers: is a port free, which address phones should use."""

from __future__ import annotations

import socket

from ..errors import WorkbenchError


def check_port_free(ip: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise WorkbenchError(f"Port {port} is not a port number.", "Pass --port between 1024 and 65535.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except PermissionError:
            raise WorkbenchError(f"This user may not use port {port}.", "Pass --port 8866 or another above 1024.") from None
        except OSError:
            raise WorkbenchError(
                f"Port {port} is already in use.",
                f"Stop the other server, or pass --port {port + 1}.",
            ) from None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lan_address() -> str:
    """The address other devices on the Wi-Fi reach this laptop at (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def terminal_qr(text: str) -> str:
    """A QR code drawn with block characters for the terminal."""
    import io

    import segno

    buf = io.StringIO()
    segno.make(text, error="m").terminal(out=buf, compact=True, border=2)
    return buf.getvalue()
