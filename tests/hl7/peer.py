#!/usr/bin/env python3
"""The EHR's side of the HL7 v2 interface, for the tests and the demo: an MLLP server
from PyPI's `hl7` package (python-hl7), which also parses what we send (a third-party
parser reading our messages). Every message is logged as one JSON line, then answered
with the ACK python-hl7 builds.

Usage: peer.py LOG_FILE [ACK_CODE] [--tls CERT_PEM KEY_PEM]   (prints "listening PORT"
once ready; port chosen by the system). With `--tls`, MLLP runs inside TLS (Python's
`ssl`) with that certificate.
"""
import asyncio
import json
import ssl
import sys

import hl7
from hl7.mllp import start_hl7_server


def field(message, spec):
    """A value by python-hl7's accessor ("PID.F5.R1.C1"), unescaped; "" when absent."""
    try:
        return message.unescape(str(message[spec]))
    except (IndexError, KeyError):
        return ""


async def main():
    args = sys.argv[1:]
    context = None
    if "--tls" in args:
        at = args.index("--tls")
        cert, key = args[at + 1], args[at + 2]
        del args[at:at + 3]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    log_path = args[0]
    ack_code = args[1] if len(args) > 1 else "AA"
    log = open(log_path, "a", buffering=1, encoding="utf-8")

    async def handle(reader, writer):
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                # Parsed again from its text, the way an interface engine would.
                parsed = hl7.parse(str(message))
                record = {
                    "control_id": field(parsed, "MSH.F10"),
                    "type": field(parsed, "MSH.F9.R1.C1"),
                    "event": field(parsed, "MSH.F9.R1.C2"),
                    "version": field(parsed, "MSH.F12"),
                    "patient_id": field(parsed, "PID.F3.R1.C1"),
                    "family": field(parsed, "PID.F5.R1.C1"),
                    "given": field(parsed, "PID.F5.R1.C2"),
                    "birth_date": field(parsed, "PID.F7"),
                    "visit": field(parsed, "PV1.F19"),
                    "segments": [str(s[0]) for s in parsed],
                }
                log.write(json.dumps(record) + "\n")
                writer.writemessage(parsed.create_ack(ack_code))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    server = await start_hl7_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
