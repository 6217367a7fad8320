#!/usr/bin/env python3
"""Prints one line of a grey-edge device users file (the device listener's --device-users FILE).

usage: device-user.py NAME [ITERATIONS] < password
The password is read from standard input (first line), never from the command line. The line has the form
NAME:pbkdf2-sha256$ITERATIONS$<base64 16-byte salt>$<base64 32-byte PBKDF2-HMAC-SHA256 hash>; append it to
the users file. NAME is 1-64 characters of [A-Za-z0-9._-]; ITERATIONS 1000-2000000 (default 100000).
"""
import base64
import hashlib
import os
import re
import sys


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    name = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) == 3 and sys.argv[2].isdigit() else 100000
    errors = []
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
        errors.append("NAME must be 1-64 characters of [A-Za-z0-9._-]")
    if len(sys.argv) == 3 and not (sys.argv[2].isdigit() and 1000 <= iterations <= 2000000):
        errors.append("ITERATIONS must be 1000-2000000")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        errors.append("no password on standard input")
    if errors:
        for e in errors:
            print("device-user.py: " + e, file=sys.stderr)
        return 2
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    print(f"{name}:pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
