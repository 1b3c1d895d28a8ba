"""Screenshots of the built site in headless Chromium, to look at the pages as a reader does.

Run after ``sphinx-build -b html docs docs/_build/html``::

    python docs/screenshots.py docs/_build/html docs/_build/screenshots

It serves the built site on a local port (nothing from the network is needed: MathJax
is served with the site) and writes one PNG per page into the output folder, 1400 ×
1000 pixels, the top of each page. Debian's ``chromium`` package provides the browser
(``apt-get install -y chromium``); ``--browser`` names another binary. Pass page paths
(relative to the html folder) to take other pages than the default set.
"""

import argparse
import functools
import http.server
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

PAGES = [
    "index.html",
    "getting_started.html",
    "suite.html",
    "user_guide/readings.html",
    "user_guide/rank_and_width.html",
    "user_guide/when_to_use.html",
    "user_guide/migrating.html",
    "user_guide/speed_and_scale.html",
    "metric_learning.html",
    "kernels.html",
    "benchmarks.html",
    "api/generated/skhalfnet.HalfNetClassifier.html",
    "api/generated/skhalfnet.kernels.HalfNetKernel.html",
    "auto_examples/index.html",
]

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",  # let MathJax typeset before the shot
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(html: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def screenshot(browser: str, url: str, png: Path, size: str) -> None:
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--screenshot={png}",
            url,
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the html output folder of sphinx-build")
    parser.add_argument("out", type=Path, help="where the PNG files go")
    parser.add_argument("pages", nargs="*", default=PAGES)
    parser.add_argument("--browser", default="chromium")
    parser.add_argument("--window-size", default="1400,1000")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    server = serve(args.html)
    port = server.server_address[1]
    missing = []
    try:
        for page in args.pages:
            if not (args.html / page).is_file():
                missing.append(page)
                continue
            png = args.out / (page.replace("/", "__").removesuffix(".html") + ".png")
            screenshot(args.browser, f"http://127.0.0.1:{port}/{page}", png, args.window_size)
            print(png)
    finally:
        server.shutdown()
    for page in missing:
        print(f"not built: {page}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
