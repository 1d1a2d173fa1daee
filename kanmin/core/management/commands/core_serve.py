from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections


class Command(BaseCommand):
    help = "Serve Kanmin with gunicorn (static files through WhiteNoise), not runserver."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("KANMIN_BIND", "127.0.0.1:8000"))
        # One process per core, two threads each: with the GIL, more processes or threads
        # than cores contend for the CPU instead of serving (gunicorn's usual 2n+1 processes
        # served less; the figures are in benchmarks/README.md).
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument(
            "--task-workers",
            type=int,
            default=1,
            help="background task workers to start beside the web server (0: none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        _refuse_taken_address(options["bind"])
        # Nothing is being uploaded before the server answers: what an earlier run left in the
        # temporary folder (an upload cut by a crash) goes.
        from kanmin.core import tempfiles

        tempfiles.sweep(max_age=None)
        tempfile.tempdir = str(tempfiles.temp_dir())  # for the web workers forked from here
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        _refresh_statistics()
        # Workers are forked from this process: none may inherit its database connection
        # (two processes writing to one socket break the protocol for both).
        connections.close_all()

        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()

        settings = {
            "bind": options["bind"],
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            "keepalive": 5,
            "forwarded_allow_ips": "127.0.0.1",
            # Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads
            # new connections over them. With one shared socket the busiest worker kept
            # accepting: 56 of 64 keep-alive clients on one process, 8 on the other.
            # Not for a Unix socket: each worker would replace the previous one's file.
            "reuse_port": _is_tcp(options["bind"]),
            "post_worker_init": _warm_up_worker,
        }

        class KanminApplication(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in settings.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        workers = [_start_task_worker() for _ in range(max(0, options["task_workers"]))]
        self.stdout.write(f"Kanmin is serving on http://{options['bind']}/  (Ctrl+C stops it)")
        try:
            KanminApplication().run()
        finally:
            _stop(workers)


def _is_tcp(bind: str) -> bool:
    return not bind.startswith(("unix:", "fd://"))


def _refuse_taken_address(bind: str) -> None:
    """With SO_REUSEPORT a second server on the same port would start and silently share
    the traffic (with an older version, say): refuse a port that something holds already."""
    if not _is_tcp(bind):
        return
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - as gunicorn reads an empty host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: connections of a stopped server waiting out TIME_WAIT on the
        # port do not count, a listening socket does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            raise CommandError(f"Cannot listen on {bind}: {exc.strerror}") from exc


def _warm_up_worker(_worker: Any) -> None:
    from kanmin.core import serving

    serving.warm_up()
    connections.close_all()  # the warm-up's, in this thread, which serves no request


def _refresh_statistics() -> None:
    """Give the query planner fresh table statistics before serving: with stale ones SQLite
    picks a plan that reads a whole link table for one dataset's tags."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _start_task_worker() -> subprocess.Popen[bytes]:
    """A background task worker (file checks and other long work), stopped with the server,
    even when the server is killed (kanmin.core.worker)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kanmin.cli",
            "core_worker",
            "--interval",
            "1",
            "--no-reload",
            "--stop-with-parent",
        ],
        env=os.environ.copy(),
    )
    atexit.register(_stop, [process])
    return process


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
