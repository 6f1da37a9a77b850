#!/usr/bin/env python3
"""The test's webhook receiver: takes Alertmanager's (or any) JSON POSTs on loopback and appends
each body to OUT as one line {"received": <unix time>, "path": ..., "status": ..., "body": <the JSON>}.
Usage: webhook_receiver.py OUT PORTFILE [FAILFILE]  (binds port 0, writes the port to PORTFILE).
While FAILFILE exists, it answers 500 (an outage), and records the attempt with status 500."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

out_path, port_path = sys.argv[1], sys.argv[2]
fail_path = sys.argv[3] if len(sys.argv) > 3 else None


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {"unparsed": body.decode("utf-8", "replace")}
        status = 500 if fail_path and os.path.exists(fail_path) else 200
        with open(out_path, "a") as f:
            f.write(json.dumps({"received": time.time(), "path": self.path, "status": status, "body": doc}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(port_path + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_path + ".tmp", port_path)
server.serve_forever()
