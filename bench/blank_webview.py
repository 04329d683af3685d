#!/usr/bin/python3
"""A reference for the desktop app's footprint: a GTK window the size of
SageDesk's holding nothing but a WebKitGTK web view on an empty page, the
engine the app's window is made of on Linux. `bench/app_idle.py --app
bench/blank_webview.py` measures it as it measures the app.

With --launch it measures its own launch instead, as ui/e2e/open_large.mjs
measures the app's: from its process's start to its page loaded, printed
as JSON, then it quits.

Runs with Debian's python3 (packages python3-gi and gir1.2-webkit2-4.1).
"""

import json
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

window = Gtk.Window(title="blank")
window.set_default_size(1100, 760)
view = WebKit2.WebView()
view.load_html("<!doctype html><title>blank</title><p>blank</p>", "about:blank")
window.add(view)
window.connect("destroy", Gtk.main_quit)


def started_ms_ago():
    """How long ago this process started, in ms (to the kernel's 10 ms ticks)."""
    with open("/proc/self/stat") as f:
        stat = f.read()
    start_ticks = int(stat[stat.rindex(")") + 2:].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return (uptime - start_ticks / 100) * 1000


def loaded(_view, event):
    if event == WebKit2.LoadEvent.FINISHED:
        print(json.dumps({"loaded_ms": round(started_ms_ago())}), flush=True)
        Gtk.main_quit()


if "--launch" in sys.argv:
    view.connect("load-changed", loaded)
window.show_all()
Gtk.main()
