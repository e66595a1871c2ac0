"""A task used only by the worker test: it records which process ran it."""

import os
import time

from django_tasks import task

from faktura.common.services import operation_progress, operation_run


def _work(op):
    operation_progress(op, 50)
    return {"pid": os.getpid(), "echo": op.params.get("echo")}


@task()
def echo_operation(operation_id: str) -> None:
    operation_run(operation_id, _work)


def _sleep(op):
    operation_progress(op, 10)
    time.sleep(float(op.params.get("seconds", 60)))
    return {"slept": True}


@task()
def slow_operation(operation_id: str) -> None:
    operation_run(operation_id, _sleep)
