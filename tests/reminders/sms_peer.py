#!/usr/bin/env python3
"""A text-message gateway simulator for the reminder tests: an HTTP server on loopback
speaking the Messages API shape (form POST of To, From and Body to
/2010-04-01/Accounts/<account>/Messages.json with HTTP basic auth). Each text it takes
is appended to <dir>/texts.jsonl as one JSON object. Standard library only.

Usage: sms_peer.py DIR ACCOUNT TOKEN [REPORT_SECRET]   (prints "listening PORT" once
ready)
       sms_peer.py --sign TOKEN URL FORM   (prints the gateway's signature of a form POST)

A text to +12175550199 is refused with 400 (a number that cannot take texts). A text
with a StatusCallback URL gets a delivery report posted there a moment after it is taken
(form MessageSid, MessageStatus, ErrorCode), signed as the gateway signs its webhooks
(X-Twilio-Signature: Base64 of HMAC-SHA1 keyed with TOKEN over the URL followed by each
field's name and value, sorted by name), with Authorization: Bearer REPORT_SECRET too
when one is given, like the gateway's status callback: "undelivered" with ErrorCode 30003 for +12175550198 (a
number the carrier cannot reach), else "delivered"."""

import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlencode

OUT_DIR = ACCOUNT = TOKEN = REPORT_SECRET = None
LOCK = threading.Lock()
REFUSED = "+12175550199"
UNREACHABLE = "+12175550198"


def signature(token, url, fields):
    """The gateway's webhook signature of a form POST of `fields` to `url`."""
    data = url + "".join(name + value for name, value in sorted(fields))
    digest = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def report(url, sid, to):
    """Posts the delivery report for message `sid` to `url`, as the gateway would."""
    time.sleep(0.3)
    status = "undelivered" if to == UNREACHABLE else "delivered"
    fields = [
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("ErrorCode", "30003" if status == "undelivered" else ""),
    ]
    body = urlencode(fields).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("X-Twilio-Signature", signature(TOKEN, url, fields))
    if REPORT_SECRET:
        request.add_header("Authorization", f"Bearer {REPORT_SECRET}")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            code = answer.status
    except urllib.error.HTTPError as error:
        code = error.code
    except OSError:
        code = 0
    with LOCK:
        with open(os.path.join(OUT_DIR, "reports.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps({"sid": sid, "status": status, "answer": code}) + "\n")


class Gateway(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
            return self.answer(404, {"message": "no such resource"})
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.answer(401, {"message": "authenticate"})
        if not self.headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return self.answer(415, {"message": "form expected"})
        form = parse_qs(raw.decode("utf-8"), strict_parsing=True)
        if any(len(form.get(k, [])) != 1 for k in ("To", "From", "Body")):
            return self.answer(400, {"message": "To, From and Body, once each"})
        to = form["To"][0]
        if to == REFUSED:
            return self.answer(400, {"code": 21211, "message": "invalid To number"})
        sid = "SM" + os.urandom(16).hex()
        callback = form.get("StatusCallback", [None])[0]
        record = {
            "to": to,
            "from": form["From"][0],
            "body": form["Body"][0],
            "idempotency_key": self.headers.get("Idempotency-Key"),
            "status_callback": callback,
        }
        with LOCK:
            with open(os.path.join(OUT_DIR, "texts.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.answer(201, {"sid": sid, "status": "queued"})
        if callback:
            threading.Thread(target=report, args=(callback, sid, to), daemon=True).start()


def main():
    global OUT_DIR, ACCOUNT, TOKEN, REPORT_SECRET
    if sys.argv[1] == "--sign":
        token, url, form = sys.argv[2], sys.argv[3], sys.argv[4]
        print(signature(token, url, parse_qsl(form, keep_blank_values=True)))
        return
    OUT_DIR, ACCOUNT, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
    REPORT_SECRET = sys.argv[4] if len(sys.argv) > 4 else None
    os.makedirs(OUT_DIR, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
