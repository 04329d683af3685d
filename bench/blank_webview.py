#!/usr/bin/python3
"""A reference for the desktop app's footprint: a GTK window the size of
SageDesk's holding nothing but a WebKitGTK web view on an empty page, the
engine the app's window is made of on Linux. `bench/app_idle.py --app
bench/blank_webview.py` measures it as it measures the app.

Runs with Debian's python3 (packages python3-gi and gir1.2-webkit2-4.1).
"""

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
window.show_all()
Gtk.main()
