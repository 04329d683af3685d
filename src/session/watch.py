# SageDesk's dead man's switch, run in the Sage kernel as it starts (IPython's
# exec_files). A kernel that no client has been connected to for a while
# stops itself, so that one whose app crashed or was killed does not run on
# for days holding its memory. Unless it was left running on purpose: the app
# puts a `keep` file beside this one when it leaves the kernel for a later
# launch, and takes it away by connecting again.
#
# A client is a TCP connection established to one of the kernel's ports
# from outside the container (through the engine's port forwarding): the app
# holds five of them for as long as it uses the kernel. Everything lives
# inside one function, which the session calls with the kernel's ports and
# deletes at the end of this file, so that nothing is left in the notebook's
# namespace.


def _sagedesk_watch(ports, grace, keep):
    """Stops this kernel once no client has been connected to any of
    `ports` for `grace` seconds, unless the file `keep` exists."""
    import os
    import signal
    import threading
    import time

    ports = set(ports)

    def loopback(address):
        # As /proc/net/tcp writes it: the bytes of the address in hex, each
        # group of four in the machine's order (127.0.0.1 is 0100007F).
        if len(address) == 8:
            return address[6:8] == "7F"
        return address == "00000000000000000000000001000000" or (
            address[16:24] == "FFFF0000" and address[30:32] == "7F"
        )

    def connected():
        # A client comes through the engine's port forwarding, from outside
        # the container; the kernel's own connections to its ports (ipykernel
        # makes some) come from its loopback and do not count.
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    next(f)
                    for line in f:
                        fields = line.split()
                        local_port = int(fields[1].rsplit(":", 1)[1], 16)
                        remote = fields[2].rsplit(":", 1)[0]
                        # 01: ESTABLISHED.
                        if fields[3] == "01" and local_port in ports and not loopback(remote):
                            return True
            except (OSError, IndexError, ValueError, StopIteration):
                continue
        return False

    def watch():
        alone_since = None
        while True:
            time.sleep(min(5.0, grace / 4))
            if connected():
                alone_since = None
                # A client is back: a kernel left running is in use again.
                if os.path.exists(keep):
                    try:
                        os.remove(keep)
                    except OSError:
                        pass
            elif os.path.exists(keep):
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since >= grace:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)
                os._exit(1)

    threading.Thread(target=watch, name="sagedesk-watch", daemon=True).start()

