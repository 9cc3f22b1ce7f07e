"""A TCP proxy on the loopback that makes the server behind it slow (the S3 of `make test-prod`, the tests).

`SlowProxy(upstream_port)` passes bytes both ways untouched until `slow(hold=…, chunk_delay=…)`:
- `hold`: each new connection waits this long before the proxy opens its upstream; what the client sends
  meanwhile is kept, and a client that gives up first (closes) never reaches the server at all — a
  request that timed out left nothing behind it;
- `chunk_delay`: each chunk passed on, either way, waits this long first (a server that trickles).
`slow()` and `fast()` drop the open connections, so a pooled keep-alive connection does not bypass the
new setting. Counts: `accepted`, `reached` (opened upstream), `abandoned` (the client left while held),
`held_peak` (the most connections held at once).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time


class SlowProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1", port: int = 0):
        self.upstream = (upstream_host, upstream_port)
        self.hold = 0.0
        self.chunk_delay = 0.0
        self.accepted = self.reached = self.abandoned = 0
        self.held = self.held_peak = 0  # connections held now / at most at once since slow()
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True, name="slow-proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SlowProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._running = False
        with contextlib.suppress(OSError):
            self._listener.close()
        self._drop_open()

    def slow(self, hold: float = 0.0, chunk_delay: float = 0.0) -> None:
        """From now on (the counts start again at zero)."""
        self.hold, self.chunk_delay = hold, chunk_delay
        self.accepted = self.reached = self.abandoned = self.held_peak = 0
        self._drop_open()

    def fast(self) -> None:
        """Untouched again (the counts kept, to be read)."""
        self.hold = self.chunk_delay = 0.0
        self._drop_open()

    def _drop_open(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _accept(self) -> None:
        while self._running:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = None
        try:
            kept = self._held(client)
            if kept is None:
                self.abandoned += 1
                return
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
            self._track(upstream)
            self.reached += 1
            for data in kept:
                upstream.sendall(data)
            self._pump(client, upstream)
        except (OSError, ValueError):  # dropped by slow()/fast()/stop(): a closed socket
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.close()

    def _held(self, client: socket.socket) -> list[bytes] | None:
        """Hold a new connection for `hold` seconds; what it sent meanwhile, or None when it left."""
        kept: list[bytes] = []
        until = time.monotonic() + self.hold
        counted = bool(self.hold)
        if counted:
            with self._lock:
                self.held += 1
                self.held_peak = max(self.held_peak, self.held)
        try:
            while (left := until - time.monotonic()) > 0:
                readable, _, _ = select.select([client], [], [], min(left, 0.05))
                if readable:
                    data = client.recv(65536)
                    if not data:
                        return None
                    kept.append(data)
            return kept
        finally:
            if counted:
                with self._lock:
                    self.held -= 1

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        other = {client: upstream, upstream: client}
        while True:
            readable, _, _ = select.select(list(other), [], [], 1.0)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                if self.chunk_delay:
                    time.sleep(self.chunk_delay)
                other[sock].sendall(data)
