"""``kanmin core_worker``: the background task worker (what ``kanmin serve`` starts).

It takes the options of django_tasks_db's ``db_worker`` and adds a lease with recovery of
abandoned tasks, one child process per task under a memory limit, and the sweep of the
temporary folder (see ``kanmin.core.worker``).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from kanmin.core import worker


class Command(db_worker.Command):
    help = (
        "Run Kanmin's background task worker: abandoned tasks are run again or failed, each "
        "task runs in a child process under KANMIN_TASK_MEMORY_MB."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--memory-limit",
            type=int,
            default=None,
            help="MB a task's processes may use before it is stopped "
            "(default: KANMIN_TASK_MEMORY_MB; 0: no limit)",
        )
        parser.add_argument(
            "--stop-with-parent",
            action="store_true",
            help="stop when the process that started this worker ends (kanmin serve)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        worker.configure_logging(options["verbosity"], self.stdout)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        running = worker.start(
            die_with_parent=options["stop_with_parent"],
            memory_limit_mb=options["memory_limit"],
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        running.configure_signals()
        running.run()
