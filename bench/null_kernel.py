"""A kernel that does no work: it answers every execute at once with the
messages ipykernel sends for `1` (busy, execute_input, execute_result,
execute_reply, idle), from one thread, straight onto its sockets.

With it in place of the Sage kernel, a round trip is almost all client and
transport, so what a client costs stands out from the ~5 ms the Sage kernel
spends on `1`. Both benchmarks run it the same way: with the image's Python
(which has pyzmq and jupyter_client, as ipykernel needs them), as
`python -c SOURCE CONNECTION_FILE`.
"""

import json
import sys

import zmq
from jupyter_client.session import Session

config = json.load(open(sys.argv[-1]))
session = Session(
    key=config["key"].encode(),
    signature_scheme=config["signature_scheme"],
    username="kernel",
)
context = zmq.Context()


def bind(kind, port):
    socket = context.socket(kind)
    socket.linger = 0
    socket.bind(f"{config['transport']}://{config['ip']}:{port}")
    return socket


shell = bind(zmq.ROUTER, config["shell_port"])
control = bind(zmq.ROUTER, config["control_port"])
stdin = bind(zmq.ROUTER, config["stdin_port"])
iopub = bind(zmq.PUB, config["iopub_port"])
heartbeat = bind(zmq.REP, config["hb_port"])

poller = zmq.Poller()
for socket in (shell, control, heartbeat):
    poller.register(socket, zmq.POLLIN)

KERNEL_INFO = {
    "status": "ok",
    "protocol_version": "5.3",
    "implementation": "null",
    "implementation_version": "1",
    "language_info": {
        "name": "python",
        "version": sys.version.split()[0],
        "mimetype": "text/x-python",
        "file_extension": ".py",
    },
    "banner": "a kernel that does no work",
    "help_links": [],
}

count = 0
while True:
    for socket, _ in poller.poll():
        if socket is heartbeat:
            heartbeat.send(heartbeat.recv())
            continue
        identities, frames = session.feed_identities(socket.recv_multipart())
        request = session.deserialize(frames)
        kind = request["header"]["msg_type"]
        session.send(iopub, "status", {"execution_state": "busy"}, parent=request)
        if kind == "execute_request":
            count += 1
            code = request["content"]["code"]
            session.send(
                iopub, "execute_input", {"code": code, "execution_count": count}, parent=request
            )
            session.send(
                iopub,
                "execute_result",
                {"execution_count": count, "data": {"text/plain": code}, "metadata": {}},
                parent=request,
            )
            reply = ("execute_reply", {
                "status": "ok", "execution_count": count, "payload": [], "user_expressions": {},
            })
        elif kind == "kernel_info_request":
            reply = ("kernel_info_reply", KERNEL_INFO)
        elif kind == "shutdown_request":
            reply = ("shutdown_reply", {"status": "ok", "restart": False})
        else:
            reply = (kind.replace("_request", "_reply"), {"status": "ok"})
        session.send(socket, reply[0], reply[1], parent=request, ident=identities)
        session.send(iopub, "status", {"execution_state": "idle"}, parent=request)
        if kind == "shutdown_request":
            sys.exit(0)
