"""The signals that stop `pathfinder up` in order: what systemd, Docker, Kubernetes and `timeout`
send (SIGTERM), a terminal's Ctrl-C (SIGINT) and a hang-up (SIGHUP)."""

import signal
from collections.abc import Callable
from types import FrameType, TracebackType


class StopSignals:
    """SIGTERM, SIGINT and SIGHUP ask for an orderly stop. SIGINT and SIGHUP that the supervisor
    inherited ignored stay ignored: a shell's background job or nohup asked for that."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._previous: dict[int, signal.Handlers | Callable[..., object] | int | None] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = self.received or signal.Signals(signum).name

    def __enter__(self) -> "StopSignals":
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            if signum != signal.SIGTERM and signal.getsignal(signum) == signal.SIG_IGN:
                continue
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
