#!/usr/bin/env python3
"""The baselines `bench/all` sets beside SageDesk's figures: the same work
done without SageDesk, by hand with `docker` or with Python's
jupyter_client, on the same image.

  start      `docker run IMAGE sage -c 'print(1)'`: until the `1` arrives
             on its standard output, and until the command exits
  cold       the kernel container SageDesk starts, made by hand (`docker
             create`, `cp`, `start`) with jupyter_client: until the `1` of
             `print(1)` arrives on iopub
  lines      a cell printing N lines, through jupyter_client draining iopub
             (no folding, no batching): until the last line arrives, and
             until the kernel's idle status for the cell
  interrupt  `while True: pass`, then an `interrupt_request` on the control
             channel: until the kernel's idle status for the cell
  restart    `docker restart` of the kernel's container, the new host ports
             read back, a new client: until the kernel answers (kernel_info
             replied and iopub delivering), and until it runs `1`
  idle       a BlockingKernelClient holding a ready kernel with its channels
             and heartbeat running: this process's RSS and CPU time over a
             period, from /proc/self

Kernel containers are made as `bench/exec_roundtrip.py` makes them (as
SageDesk does), with the kernel given `--kernel` (default `tuned`: the
image's argv with the settings SageDesk's sessions add, so that both sides
run one kernel). The last line printed is JSON.

Run with any python3: like exec_roundtrip.py it re-runs itself in the venv
with jupyter_client (made on first use).
"""

import argparse
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from queue import Empty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exec_roundtrip as common  # noqa: E402

LABEL = "baselines"
WARMUP = 3
TIMEOUT = 300.0
START_TIMEOUT = common.START_TIMEOUT
# How long `while True: pass` runs before it is interrupted.
SPIN = 0.5


def ms(seconds):
    return round(seconds * 1e3, 3)


def process_figures():
    """This process's resident memory now and at its peak (KiB), and its CPU
    time (user + system, seconds), from /proc/self as `sagedesk bench`
    reads its own."""
    status = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.split()
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {
        "rss_kib": int(status["VmRSS"][0]),
        "hwm_kib": int(status["VmHWM"][0]),
        "threads": int(status["Threads"][0]),
        # utime and stime are the 14th and 15th fields of stat.
        "cpu_s": (int(fields[11]) + int(fields[12])) / ticks,
    }


class Kernel:
    """A kernel container and a BlockingKernelClient on it, both closed on
    exit."""

    def __init__(self, image, kernel, hb=False):
        self.container = common.KernelContainer(image, kernel, bench=LABEL)
        self.hb = hb
        self.kc = None

    def __enter__(self):
        self.container.start()
        self.connect()
        return self

    def connect(self):
        from jupyter_client import BlockingKernelClient

        if self.kc is not None:
            self.kc.stop_channels()
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(self.container.connection)
        self.kc.start_channels(hb=self.hb)
        common.wait_ready(self.kc, START_TIMEOUT)

    def run(self, code):
        """Runs `code` to its idle status; fails unless it ends ok."""
        msg_id = self.kc.execute(code)
        self.idle(msg_id)
        self.reply(msg_id, "ok")

    def idle(self, msg_id, on_message=None):
        deadline = time.perf_counter() + TIMEOUT
        while True:
            msg = self.kc.iopub_channel.get_msg(
                timeout=max(deadline - time.perf_counter(), 0.001)
            )
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if on_message is not None:
                on_message(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return

    def reply(self, msg_id, expected):
        while True:
            reply = self.kc.shell_channel.get_msg(timeout=TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        status = reply["content"]["status"]
        if status != expected:
            raise RuntimeError(f"the cell ended as {status}, not {expected}")

    def __exit__(self, *_):
        if self.kc is not None:
            self.kc.stop_channels()
        self.container.close()


def start(args):
    """`docker run IMAGE sage -c 'print(1)'`, timed from just before the
    command starts."""
    name = f"sagedesk-bench-docker-run-{secrets.token_hex(6)}"
    argv = ["docker", "run", "--name", name, "--label", f"org.sagedesk.bench={LABEL}",
            args.image, "sage", "-c", "print(1)"]
    began = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        first = time.perf_counter() - began
        rest, err = proc.communicate(timeout=TIMEOUT)
        exited = time.perf_counter() - began
    finally:
        subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True)
    if line.strip() != "1" or proc.returncode != 0:
        raise RuntimeError(f"`docker run` printed {line + rest!r}, exit {proc.returncode}: {err}")
    return {"first_ms": ms(first), "exit_ms": ms(exited)}


def cold(args):
    """The same kernel container as SageDesk's cold start, made by hand:
    `docker create`, the connection file copied in, `docker start`, the
    ports read back, a jupyter_client connected and the kernel ready, then
    `print(1)`; timed from before `docker create` to the `1` on iopub."""
    k = Kernel(args.image, args.kernel)
    try:
        began = time.perf_counter()
        k.container.start()
        container = time.perf_counter() - began
        k.connect()
        ready = time.perf_counter() - began
        first = []

        def on_message(msg):
            if msg["msg_type"] == "stream" and not first and msg["content"]["text"] == "1\n":
                first.append(time.perf_counter() - began)

        msg_id = k.kc.execute("print(1)")
        k.idle(msg_id, on_message)
        k.reply(msg_id, "ok")
    finally:
        k.__exit__()
    if not first:
        raise RuntimeError("`print(1)` printed no `1`")
    return {"container_ms": ms(container), "ready_ms": ms(ready), "first_ms": ms(first[0])}


def lines(args):
    code = f"for i in range({args.lines}): print(i)"
    last = f"\n{args.lines - 1}\n"
    with Kernel(args.image, args.kernel) as k:
        for _ in range(WARMUP):
            k.run("1")
        seen = {"messages": 0, "bytes": 0, "lines": 0, "last": None, "tail": ""}
        began = time.perf_counter()

        def on_message(msg):
            if msg["msg_type"] != "stream":
                return
            text = msg["content"]["text"]
            seen["messages"] += 1
            seen["bytes"] += len(text.encode())
            seen["lines"] += text.count("\n")
            # The last line may come split over two messages.
            seen["tail"] = (seen["tail"] + text)[-len(last):]
            if seen["last"] is None and seen["tail"] == last:
                seen["last"] = time.perf_counter() - began

        msg_id = k.kc.execute(code)
        k.idle(msg_id, on_message)
        idle = time.perf_counter() - began
        k.reply(msg_id, "ok")
    if seen["last"] is None or seen["lines"] != args.lines:
        raise RuntimeError(f"{seen['lines']} lines arrived of {args.lines}, the last "
                           f"{'seen' if seen['last'] is not None else 'not seen'}")
    figures = process_figures()
    return {
        "lines": args.lines,
        "last_line_ms": ms(seen["last"]),
        "idle_ms": ms(idle),
        "stream_messages": seen["messages"],
        "stream_bytes": seen["bytes"],
        "peak_rss_mib": round(figures["hwm_kib"] / 1024, 1),
        "rss_mib": round(figures["rss_kib"] / 1024, 1),
    }


def interrupt(args):
    idle_ms, replies = [], []
    with Kernel(args.image, args.kernel) as k:
        for _ in range(WARMUP):
            k.run("1")
        k.run("x = 42")
        kc = k.kc
        for _ in range(args.count):
            msg_id = kc.execute("while True: pass")
            # The kernel is running the loop once it says busy for it.
            while True:
                msg = kc.iopub_channel.get_msg(timeout=TIMEOUT)
                if (msg["parent_header"].get("msg_id") == msg_id
                        and msg["msg_type"] == "status"
                        and msg["content"]["execution_state"] == "busy"):
                    break
            time.sleep(SPIN)
            began = time.perf_counter()
            request = kc.session.msg("interrupt_request", {})
            kc.control_channel.send(request)
            k.idle(msg_id)
            idle_ms.append(ms(time.perf_counter() - began))
            k.reply(msg_id, "error")
            reply = kc.control_channel.get_msg(timeout=TIMEOUT)
            replies.append(reply["content"].get("status"))
        # The interrupt kept the kernel's variables.
        check = kc.execute("assert x == 42")
        k.idle(check)
        k.reply(check, "ok")
    return {"count": args.count, "idle_ms": idle_ms,
            "idle_median_ms": round(statistics.median(idle_ms), 3), "replies": replies}


def restart(args):
    ready_ms, answer_ms = [], []
    with Kernel(args.image, args.kernel) as k:
        for _ in range(WARMUP):
            k.run("1")
        for _ in range(args.count):
            began = time.perf_counter()
            common.docker("restart", k.container.name)
            k.container.read_ports()
            k.connect()
            ready_ms.append(ms(time.perf_counter() - began))
            k.run("1")
            answer_ms.append(ms(time.perf_counter() - began))
    return {"count": args.count, "ready_ms": ready_ms, "answer_ms": answer_ms,
            "ready_median_ms": round(statistics.median(ready_ms), 3),
            "answer_median_ms": round(statistics.median(answer_ms), 3)}


def idle(args):
    # A frontend watches the heartbeat: its thread runs here too.
    with Kernel(args.image, args.kernel, hb=True) as k:
        k.run("1")
        time.sleep(args.settle)
        before = process_figures()
        began = time.perf_counter()
        rss = []
        while time.perf_counter() - began < args.seconds:
            time.sleep(1)
            rss.append(process_figures()["rss_kib"])
        after = process_figures()
        wall = time.perf_counter() - began
        k.run("1")
    return {
        "seconds": round(wall, 1),
        "cpu_s": round(after["cpu_s"] - before["cpu_s"], 3),
        "rss_start_mib": round(before["rss_kib"] / 1024, 1),
        "rss_end_mib": round(after["rss_kib"] / 1024, 1),
        "rss_max_mib": round(max(rss) / 1024, 1),
        "peak_rss_mib": round(after["hwm_kib"] / 1024, 1),
        "threads": after["threads"],
        "ru_maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


MEASURES = {"start": start, "cold": cold, "lines": lines, "interrupt": interrupt, "restart": restart,
            "idle": idle}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=list(MEASURES))
    parser.add_argument("--image", help="default: the tag `sagedesk image tag` prints")
    parser.add_argument("--kernel", choices=["sage", "tuned"], default="tuned",
                        help="the image's kernel as labelled, or with SageDesk's settings")
    parser.add_argument("--lines", type=int, default=10**6, help="lines: how many")
    parser.add_argument("--count", type=int, default=3, help="interrupt, restart: how many")
    parser.add_argument("--seconds", type=float, default=60, help="idle: how long")
    parser.add_argument("--settle", type=float, default=3, help="idle: seconds before")
    args = parser.parse_args()
    if args.lines < 2 or args.count < 1:
        parser.error("--lines must be at least 2 and --count at least 1")
    args.image = args.image or common.default_image()
    # A SIGTERM (from a timeout or a Ctrl-C on the runner) still removes
    # the container.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    import jupyter_client

    result = {"what": args.what, "image": args.image, "kernel": args.kernel,
              "jupyter_client": jupyter_client.__version__,
              **MEASURES[args.what](args)}
    print(json.dumps(result))


if __name__ == "__main__":
    common.ensure_venv(__file__)
    main()
