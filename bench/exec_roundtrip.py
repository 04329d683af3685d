#!/usr/bin/env python3
"""The baseline for `sagedesk bench exec`: the same trivial execute (`1`)
through Python's jupyter_client, against a kernel container started the way
SageDesk starts one.

The container gets SageDesk's settings (the kernel argv from the image's
`org.sagedesk.kernel` label, its user, limits and hardening, the five ports
published on 127.0.0.1 with host ports chosen by the engine, the connection
file put in before start, owned by the kernel's user). A BlockingKernelClient
connects, waits until ready, runs a warm-up, then times N executes of `1`,
each from sending the request to the `status: idle` on iopub whose parent is
that request. The shell reply is read after the clock stops.

The last line printed is JSON with p50_ms, p90_ms, p99_ms (and n, mean_ms,
min_ms, max_ms), plus the kernel's own share of each execute (from its busy
status to its idle status, by the kernel's timestamps) as kernel_*_ms.

Run with any python3: it makes a virtual environment with jupyter_client
under $SAGEDESK_BENCH_VENV (default ~/.cache/sagedesk-bench-venv) on first
use and re-runs itself there.
"""

import argparse
import io
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tarfile
import time
from queue import Empty

VENV = os.environ.get(
    "SAGEDESK_BENCH_VENV",
    os.path.join(os.path.expanduser("~"), ".cache", "sagedesk-bench-venv"),
)
REQUIREMENTS = ["jupyter_client>=8,<9"]
# What `--kernel tuned` adds to the Sage kernel's argv (as `sagedesk bench
# exec --kernel tuned` does; see bench/README.md).
TUNED_KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:", "--Kernel._execute_sleep=0"]

CODE = "1"
# The kernel's ports inside the container, as SageDesk fixes them.
PORTS = {"shell": 50001, "iopub": 50002, "stdin": 50003, "control": 50004, "hb": 50005}
RUNTIME_DIR = "run/sagedesk"
IMAGE_UID = 1000
EXECUTE_TIMEOUT = 30.0
START_TIMEOUT = 120.0


def ensure_venv(script=__file__):
    """Re-runs `script` (this one by default) inside the benchmark's venv,
    making the venv first if needed."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        print(f"making a venv with jupyter_client in {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    check = subprocess.run(
        [python, "-c", "import jupyter_client"], capture_output=True
    )
    if check.returncode != 0:
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", *REQUIREMENTS], check=True
        )
    os.execv(python, [python, os.path.abspath(script), *sys.argv[1:]])


def docker(*args, stdin=None):
    result = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"docker {' '.join(args[:2])} failed: {result.stderr.decode().strip()}"
        )
    return result.stdout.decode().strip()


def default_image():
    """The image the SageDesk build in this checkout uses."""
    sagedesk = os.environ.get("SAGEDESK")
    if not sagedesk:
        target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "target"
        )
        sagedesk = os.path.join(target, "release", "sagedesk")
    return subprocess.run(
        [sagedesk, "image", "tag"], capture_output=True, check=True, text=True
    ).stdout.strip()


def connection_archive(connection):
    """The runtime folder and the connection file, owned by the kernel's user
    (ipykernel rewrites the file when it starts)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo(RUNTIME_DIR)
        folder.type = tarfile.DIRTYPE
        folder.mode = 0o700
        folder.uid = folder.gid = IMAGE_UID
        tar.addfile(folder)
        data = json.dumps(connection, indent=2).encode()
        file = tarfile.TarInfo(f"{RUNTIME_DIR}/kernel.json")
        file.size = len(data)
        file.mode = 0o600
        file.uid = file.gid = IMAGE_UID
        tar.addfile(file, io.BytesIO(data))
    return buffer.getvalue()


class KernelContainer:
    """A kernel container made as SageDesk makes one, removed on close."""

    def __init__(self, image, kernel="sage", bench="exec-roundtrip"):
        self.image = image
        self.kernel = kernel
        self.bench = bench
        self.name = f"sagedesk-bench-jupyter-client-{secrets.token_hex(6)}"
        self.key = secrets.token_hex(32)
        self.created = False
        self.connection = None

    def start(self):
        image = self.image
        labels = json.loads(
            docker("image", "inspect", "--format", "{{json .Config.Labels}}", image)
            or "null"
        ) or {}
        if "org.sagedesk.kernel" not in labels:
            raise RuntimeError(f"the image {image} has no org.sagedesk.kernel label")
        path = f"/{RUNTIME_DIR}/kernel.json"
        argv = json.loads(labels["org.sagedesk.kernel"])
        if self.kernel == "tuned":
            argv = argv + TUNED_KERNEL_ARGS
        elif self.kernel == "null":
            # The image's Python (the label names it first) runs the kernel
            # that does no work.
            here = os.path.dirname(os.path.abspath(__file__))
            with open(os.path.join(here, "null_kernel.py")) as f:
                argv = [argv[0], "-c", f.read(), "{connection_file}"]
        argv = [a.replace("{connection_file}", path) for a in argv]
        publish = []
        for port in PORTS.values():
            publish += ["-p", f"127.0.0.1::{port}"]
        # Marked created first: a failure half-way still removes it.
        self.created = True
        docker(
            "create",
            "--name", self.name,
            "--label", f"org.sagedesk.bench={self.bench}",
            "--init",
            "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges",
            "--memory", "2g",
            "--memory-swap", "2g",
            "--cpus", "1",
            "--pids-limit", "1024",
            "--log-opt", "max-size=10m",
            "--log-opt", "max-file=2",
            "--restart", "no",
            "--user", f"{IMAGE_UID}:{IMAGE_UID}",
            "-e", "HOME=/home/sage",
            "-e", "PYTHONUNBUFFERED=1",
            "-w", "/home/sage/work",
            "--entrypoint", "",
            *publish,
            image,
            *argv,
        )
        inside = {
            "ip": "0.0.0.0",
            "transport": "tcp",
            **{f"{name}_port": port for name, port in PORTS.items()},
            "key": self.key,
            "signature_scheme": "hmac-sha256",
            "kernel_name": "sagemath",
        }
        docker("cp", "-", f"{self.name}:/", stdin=connection_archive(inside))
        docker("start", self.name)
        self.read_ports(inside)

    def read_ports(self, inside=None):
        """The connection as seen from the host: the engine chooses the host
        ports at every start (a restart changes them)."""
        inside = inside or self.connection
        self.connection = {
            **inside,
            "ip": "127.0.0.1",
            **{
                f"{name}_port": int(
                    docker("port", self.name, f"{port}/tcp").splitlines()[0].rsplit(":", 1)[1]
                )
                for name, port in PORTS.items()
            },
        }

    def close(self):
        if self.created:
            subprocess.run(["docker", "rm", "-f", "-v", self.name], capture_output=True)
            self.created = False


def wait_ready(kc, timeout):
    """Asks for kernel_info until the kernel answers and iopub delivers (an
    iopub subscription made before the kernel listens misses messages).
    jupyter_client's own wait_for_ready also watches the heartbeat, which
    reads the engine's proxy resetting early connections as a dead kernel."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg_id = kc.kernel_info()
        try:
            while True:
                reply = kc.shell_channel.get_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            kc.iopub_channel.get_msg(timeout=0.3)
        except Empty:
            continue
        # Drop what the handshake left on iopub.
        while True:
            try:
                kc.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                return
    raise RuntimeError(f"the kernel did not answer within {timeout} s")


def execute(kc, code):
    """One execute: (round trip, kernel busy→idle), in seconds. The clock
    runs from just before the request is sent to the idle status for it."""
    iopub = kc.iopub_channel
    start = time.perf_counter()
    msg_id = kc.execute(code)
    busy = None
    deadline = start + EXECUTE_TIMEOUT
    while True:
        msg = iopub.get_msg(timeout=max(deadline - time.perf_counter(), 0.001))
        if msg["parent_header"].get("msg_id") != msg_id or msg["msg_type"] != "status":
            continue
        state = msg["content"]["execution_state"]
        if state == "busy":
            busy = msg["header"]["date"]
        elif state == "idle":
            elapsed = time.perf_counter() - start
            idle = msg["header"]["date"]
            break
    while True:
        reply = kc.shell_channel.get_msg(timeout=EXECUTE_TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"`{code}` ended as {reply['content']['status']}")
    kernel = (idle - busy).total_seconds() if busy is not None else float("nan")
    return elapsed, kernel


def percentile(sorted_values, q):
    """Nearest rank, as `sagedesk bench exec` computes it."""
    rank = math.ceil(q * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def summarize(samples, prefix=""):
    ms = sorted(s * 1e3 for s in samples)
    r = lambda x: round(x, 3)  # noqa: E731
    return {
        f"{prefix}p50_ms": r(percentile(ms, 0.50)),
        f"{prefix}p90_ms": r(percentile(ms, 0.90)),
        f"{prefix}p99_ms": r(percentile(ms, 0.99)),
        f"{prefix}mean_ms": r(sum(ms) / len(ms)),
        f"{prefix}min_ms": r(ms[0]),
        f"{prefix}max_ms": r(ms[-1]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--image", help="default: the tag `sagedesk image tag` prints")
    parser.add_argument(
        "--kernel",
        choices=["sage", "tuned", "null"],
        default="sage",
        help="the image's Sage kernel; the same with the settings of bench/README.md; "
        "or one that does no work (bench/null_kernel.py)",
    )
    args = parser.parse_args()
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")

    import jupyter_client
    from jupyter_client import BlockingKernelClient

    image = args.image or default_image()
    # A SIGTERM (from a timeout or a Ctrl-C on the runner) still removes
    # the container.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    container = None
    kc = None
    try:
        container = KernelContainer(image, args.kernel)
        container.start()
        kc = BlockingKernelClient()
        kc.load_connection_info(container.connection)
        # No heartbeat thread: nothing else in this process competes with
        # the measured loop.
        kc.start_channels(hb=False)
        wait_ready(kc, START_TIMEOUT)
        for _ in range(args.warmup):
            execute(kc, CODE)
        trips, kernel = [], []
        for _ in range(args.iterations):
            total, own = execute(kc, CODE)
            trips.append(total)
            kernel.append(own)
    finally:
        if kc is not None:
            kc.stop_channels()
        if container is not None:
            container.close()

    summary = {
        "client": "jupyter_client",
        "jupyter_client": jupyter_client.__version__,
        "image": image,
        "kernel": args.kernel,
        "warmup": args.warmup,
        "n": len(trips),
        **summarize(trips),
        **summarize(kernel, "kernel_"),
    }
    print(
        f"execute `{CODE}` on the {args.kernel} kernel through jupyter_client "
        f"{jupyter_client.__version__}, "
        f"{summary['n']} times after {args.warmup} warm-up:"
    )
    print(
        "  p50 {p50_ms:.3f} ms   p90 {p90_ms:.3f} ms   p99 {p99_ms:.3f} ms   "
        "mean {mean_ms:.3f} ms   min {min_ms:.3f} ms   max {max_ms:.3f} ms".format(**summary)
    )
    print(
        "  of which the kernel (its busy→idle): p50 {kernel_p50_ms:.3f} ms   "
        "p90 {kernel_p90_ms:.3f} ms   p99 {kernel_p99_ms:.3f} ms".format(**summary)
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    ensure_venv()
    main()
