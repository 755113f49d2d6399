#!/usr/bin/env python3
"""A mail server for the reminder tests: aiosmtpd's SMTP protocol (PyPI `aiosmtpd`) on
loopback. Every message it takes is parsed again with Python's own `email` package (a
parser that is not ours) and logged as one JSON line: envelope, headers, the plain and
HTML parts, and the inline PNG written to a file beside the log. A recipient whose
address contains "bounce" is refused with 550 (a mailbox that does not exist).

Usage: smtp_peer.py OUT_DIR   (prints "listening PORT" once ready; port chosen by the
system)
"""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0
        self.log = open(os.path.join(out_dir, "received.jsonl"), "a", buffering=1, encoding="utf-8")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "to": str(message["To"]),
            "from": str(message["From"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_types": [part.get_content_type() for part in message.walk()],
            "plain": "",
            "html": "",
            "png": None,
        }
        for part in message.walk():
            kind = part.get_content_type()
            if kind == "text/plain":
                record["plain"] = part.get_content()
            elif kind == "text/html":
                record["html"] = part.get_content()
            elif kind == "image/png":
                path = os.path.join(self.out_dir, f"qr-{self.count}.png")
                with open(path, "wb") as f:
                    f.write(part.get_content())
                record["png"] = path
                record["png_content_id"] = str(part["Content-ID"])
        self.log.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


async def main():
    handler = Handler(sys.argv[1])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="peer.example.invalid"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
