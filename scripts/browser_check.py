#!/usr/bin/env python3
"""Open an HTML file in headless Chromium and report what a person's browser would meet.

Usage: browser_check.py FILE --screenshot PNG [--width 1280]

Drives Debian's `chromium` over the DevTools protocol (a small WebSocket client of its own, the
standard library only): loads the file, records
every network request the page makes and every console message, exception and log entry of level
warning or error, takes a full-page PNG screenshot at the given width, and reads the page's
embedded figures (`<script type="application/json" id="report-data">`) and its charts (each
`svg.chart` with its title, axis labels and the legend after it). Prints one JSON object:
{"requests": [...], "console": [...], "charts": [...], "figures": {...}, "screenshot": PNG}.
Exits 2 when the browser cannot be started; the caller judges the rest.
"""
import argparse
import base64
import json
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse


class SocketTimeout(Exception):
    pass


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol on loopback: text frames, masked when sent."""

    def __init__(self, url, timeout):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the DevTools connection")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"no WebSocket upgrade: {head[:200]!r}")

    def settimeout(self, seconds):
        self.sock.settimeout(seconds)

    def send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read(self, count):
        while len(self.buffer) < count:
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                raise SocketTimeout()
            if not chunk:
                raise ConnectionError("the browser closed the DevTools connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def recv(self):
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = first & 0x0F
            if opcode == 0x9:  # ping
                continue
            if opcode == 0x8:
                raise ConnectionError("the browser closed the DevTools connection")
            message += payload
            if first & 0x80:
                return message.decode()

CHARTS = """
JSON.stringify(Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const legend = svg.nextElementSibling;
  return {
    title: (svg.querySelector('title') || {}).textContent || '',
    axisLabels: Array.from(svg.querySelectorAll('.axis-label')).map(t => t.textContent),
    legend: legend && legend.classList.contains('legend') ? Array.from(legend.querySelectorAll('li')).map(li => li.textContent) : [],
    marks: svg.querySelectorAll('rect, circle, polyline').length,
    tooltips: svg.querySelectorAll('rect > title, circle > title, line > title').length
  };
}))
"""


class Browser:
    def __init__(self, width):
        self.profile = tempfile.mkdtemp(prefix="usage-etl-chromium-")
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            sys.exit("browser_check: chromium is not installed (make deps installs Debian's chromium)")
        self.process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0", f"--window-size={width},900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url, deadline = None, time.time() + 30
        while time.time() < deadline and url is None:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            if "DevTools listening on " in line:
                url = line.split("DevTools listening on ", 1)[1].strip()
        if url is None:
            self.close()
            print(json.dumps({"error": "chromium did not start"}))
            sys.exit(2)
        self.socket = WebSocket(url, timeout=30)
        self.next_id = 0
        self.events = []

    def call(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        self.socket.settimeout(60)  # a screenshot of a long page takes a while; drain() left it short
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for event in self.events:
                if event.get("method") == method:
                    return True
            self.socket.settimeout(max(0.1, deadline - time.time()))
            try:
                self.events.append(json.loads(self.socket.recv()))
            except SocketTimeout:
                break
        return False

    def drain(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.socket.settimeout(max(0.05, deadline - time.time()))
            try:
                self.events.append(json.loads(self.socket.recv()))
            except SocketTimeout:
                break

    def close(self):
        try:
            self.process.terminate()
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    page_url = pathlib.Path(args.file).resolve().as_uri()
    browser = Browser(args.width)
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            browser.call(f"{domain}.enable", session)
        browser.call("Emulation.setDeviceMetricsOverride", session, width=args.width, height=900, deviceScaleFactor=1, mobile=False)
        browser.events.clear()
        browser.call("Page.navigate", session, url=page_url)
        browser.wait_for("Page.loadEventFired", 30)
        browser.drain(0.5)

        requests, console = [], []
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if url != page_url:
                    requests.append(url)
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                console.append({"type": params.get("type"), "text": " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))})
            elif method == "Runtime.exceptionThrown":
                console.append({"type": "exception", "text": params.get("exceptionDetails", {}).get("text", "")})
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                entry = params["entry"]
                console.append({"type": f"log-{entry.get('level')}", "text": entry.get("text", ""), "url": entry.get("url", "")})

        def evaluate(expression):
            result = browser.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
            if "exceptionDetails" in result:
                raise RuntimeError(f"evaluate failed: {result['exceptionDetails']}")
            return result.get("result", {}).get("value")

        figures_text = evaluate("(document.getElementById('report-data') || {}).textContent || 'null'")
        charts = json.loads(evaluate(CHARTS))
        height = int(evaluate("Math.ceil(document.documentElement.scrollHeight)") or 900)
        browser.call("Emulation.setDeviceMetricsOverride", session, width=args.width, height=min(height, 16000), deviceScaleFactor=1, mobile=False)
        shot = browser.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        with open(args.screenshot, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        print(json.dumps({"requests": requests, "console": console, "charts": charts,
                          "figures": json.loads(figures_text), "screenshot": args.screenshot, "height": height}))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
