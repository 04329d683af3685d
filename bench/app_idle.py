#!/usr/bin/env python3
"""The desktop app's idle footprint: `sagedesk-app` launched under a fresh
Xvfb with fresh settings (a first launch: no workspace open, no notebook,
no kernel), left to settle, then the resident memory of the app's process
and of its WebKit child processes (the web page's and the network's),
sampled every second.

For each process: RSS (what `ps` and the goal count: pages shared between
the processes are counted in each), PSS (shared pages divided among their
users: the processes' sum is the memory they take together), and private
pages. Also the part of the RSS that is Mesa's software renderer (libLLVM,
the swrast/llvmpipe driver): Xvfb has no GPU, so WebKitGTK's GL goes
through llvmpipe, which a desktop with a GPU driver would not load (or not
in this form). CPU time of all of them over the sampling period too.

The app is started with its own XDG_CONFIG_HOME, XDG_DATA_HOME and
XDG_CACHE_HOME (a first launch), and SAGEDESK_DATA_DIR pointing at the
user's usual folder, so that at launch it keeps the kernels the user left
running on purpose, as their own app would. The last line printed is JSON.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SOFTWARE_GL = ("libLLVM", "swrast_dri", "libgallium", "kms_swrast")


def default_app():
    if os.environ.get("SAGEDESK_APP"):
        return os.environ["SAGEDESK_APP"]
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    builds = [os.path.join(target, build, "sagedesk-app") for build in ("release", "debug")]
    built = [path for path in builds if os.access(path, os.X_OK)]
    # The newer of the two: an old release build shows an old app.
    return max(built, key=os.path.getmtime) if built else builds[1]


def build_of(app):
    """release or debug (from the app's path), else what it is."""
    for build in ("release", "debug"):
        if f"/{build}/" in app:
            return build
    return os.path.basename(app)


def read_kib(path, fields):
    """The named `Key: N kB` fields of a /proc file, in KiB."""
    found = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in fields:
                    found[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return found


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return "?"


def tree(root):
    """`root` and every process descending from it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(found)


def sample(root):
    """Per process of the tree: RSS, PSS and private memory, KiB."""
    out = {}
    for pid in tree(root):
        status = read_kib(f"/proc/{pid}/status", {"VmRSS"})
        rollup = read_kib(f"/proc/{pid}/smaps_rollup",
                          {"Pss", "Private_Clean", "Private_Dirty"})
        if not status or not rollup or "VmRSS" not in status:
            continue
        out[pid] = {
            "name": comm(pid),
            "rss": status["VmRSS"],
            "pss": rollup.get("Pss", 0),
            "private": rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0),
        }
    return out


def software_gl_rss(pid):
    """RSS (KiB) of the process's mappings of Mesa's software renderer."""
    total, current = 0, False
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(maxsplit=1)[0]
                if "-" in first and not first.endswith(":"):
                    current = any(name in line for name in SOFTWARE_GL)
                elif current and first == "Rss:":
                    total += int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def start_xvfb(work):
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,), stderr=open(os.path.join(work, "xvfb.log"), "w"),
        start_new_session=True,
    )
    os.close(write)
    number = b""
    deadline = time.monotonic() + 10
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        chunk = os.read(read, 16)
        if not chunk:
            break
        number += chunk
    os.close(read)
    if not number.strip():
        xvfb.kill()
        raise RuntimeError("Xvfb did not start: " + open(os.path.join(work, "xvfb.log")).read())
    return xvfb, f":{number.decode().strip()}"


def stop(proc, grace=5.0):
    """Stops a process started as a group leader, and its group."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def webkit_version():
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"],
        capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def mib(kib):
    return round(kib / 1024, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", default=default_app(),
                        help="the app binary (default: SAGEDESK_APP, else the newer of "
                        "the release and debug builds under CARGO_TARGET_DIR)")
    parser.add_argument("--settle", type=float, default=15,
                        help="seconds after the page's process appears before sampling")
    parser.add_argument("--samples", type=int, default=5, help="one a second")
    args = parser.parse_args()
    if not os.access(args.app, os.X_OK):
        sys.exit(f"no app at {args.app}: run `npm run build` in ui/, then "
                 "`cargo build -p sagedesk-app` (or --release)")

    work = tempfile.mkdtemp(prefix="sagedesk-app-idle-")
    xvfb = app = None
    # A SIGTERM from a runner's timeout still stops what was started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        xvfb, display = start_xvfb(work)
        env = dict(os.environ)
        user_data = env.get("SAGEDESK_DATA_DIR") or os.path.join(
            env.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "sagedesk")
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            env[name] = os.path.join(work, name.lower())
            os.makedirs(env[name])
        env.update(DISPLAY=display, NO_AT_BRIDGE="1", SAGEDESK_DATA_DIR=user_data)
        log = open(os.path.join(work, "app.log"), "w")
        launched = time.perf_counter()
        app = subprocess.Popen([args.app], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
        deadline = time.monotonic() + 60
        while not any(p["name"].startswith("WebKitWebProces") for p in sample(app.pid).values()):
            if app.poll() is not None:
                raise RuntimeError(f"the app exited ({app.returncode}): "
                                   + open(os.path.join(work, "app.log")).read()[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError("no WebKit web process within 60 s")
            time.sleep(0.2)
        page_after = time.perf_counter() - launched
        time.sleep(args.settle)
        cpu_before = sum(cpu_seconds(p) for p in tree(app.pid))
        samples = []
        for _ in range(args.samples):
            samples.append(sample(app.pid))
            time.sleep(1)
        cpu = sum(cpu_seconds(p) for p in tree(app.pid)) - cpu_before
        gl = sum(software_gl_rss(p) for p in tree(app.pid))
        if app.poll() is not None:
            raise RuntimeError(f"the app exited during the measurement ({app.returncode})")
    finally:
        if app is not None:
            stop(app)
        if xvfb is not None:
            stop(xvfb)
        shutil.rmtree(work, ignore_errors=True)

    def total(key, s):
        return sum(p[key] for p in s.values())

    last = samples[-1]
    processes = sorted(last.values(), key=lambda p: -p["rss"])
    result = {
        "app": args.app,
        "build": build_of(args.app),
        "built": datetime.datetime.fromtimestamp(
            os.path.getmtime(args.app), datetime.timezone.utc).isoformat(timespec="seconds"),
        "webkit2gtk": webkit_version(),
        "page_process_after_s": round(page_after, 1),
        "settle_s": args.settle,
        "samples": args.samples,
        "rss_mib": mib(statistics.median(total("rss", s) for s in samples)),
        "pss_mib": mib(statistics.median(total("pss", s) for s in samples)),
        "private_mib": mib(statistics.median(total("private", s) for s in samples)),
        "software_gl_rss_mib": mib(gl),
        "cpu_s": round(cpu, 3),
        "processes": [{"name": p["name"], "rss_mib": mib(p["rss"]), "pss_mib": mib(p["pss"]),
                       "private_mib": mib(p["private"])} for p in processes],
    }
    print(f"{os.path.basename(args.app)} ({result['build']}) idle under Xvfb, no workspace: "
          f"RSS {result['rss_mib']} MiB, PSS {result['pss_mib']} MiB, "
          f"private {result['private_mib']} MiB, of the RSS {result['software_gl_rss_mib']} MiB "
          f"software GL; {result['cpu_s']} s CPU over {args.samples} s")
    for p in result["processes"]:
        print(f"  {p['name']:<18} RSS {p['rss_mib']:7.1f}  PSS {p['pss_mib']:7.1f}  "
              f"private {p['private_mib']:7.1f} MiB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
