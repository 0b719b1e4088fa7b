"""Ctrl-C stops `cdk-local serve` whichever of its threads the kernel hands the signal to.

A process-directed signal may land on any thread; CPython then runs the handler in the main thread only when
that thread next runs Python code. The test sends SIGINT to a thread other than the main one (as the kernel
may), in a process of its own, while the main thread waits as `serve` does.
"""

import subprocess
import sys

WAIT_LIKE_SERVE = """
import signal, threading, time
from cdk_local_cloud.serve.stop_signal import StopSignal

stop = StopSignal()

def interrupt_this_thread():
    time.sleep(0.2)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)

threading.Thread(target=interrupt_this_thread).start()
stop.wait()
print("stopped")
"""


def test_a_ctrl_c_delivered_to_another_thread_ends_the_wait() -> None:
    finished = subprocess.run(
        [sys.executable, "-c", WAIT_LIKE_SERVE], capture_output=True, text=True, timeout=20, check=False
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "stopped"
