#!/usr/bin/env python3
"""Run a command under a pseudo-terminal and render what a terminal would show.

Usage: pty_run.py --columns N [--timeout S] -- COMMAND [ARG ...]

The command's stdout and stderr are the pty (of N columns). Its output is rendered as a terminal
would: `\\r` returns to the line's start, `ESC[2K` / `ESC[K` clear, `\\n` ends a line, colour codes
(`ESC[...m`) take no room, and a line longer than N columns wraps. Prints one JSON object: the
exit code, every line the screen scrolled through in order ("lines", the last one being what was
on screen at the end), each line's text as displayed, and "raw" (the bytes as text).
"""
import argparse
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import fcntl

ESCAPE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


def render(text, columns):
    lines, line, column = [], [], 0

    def newline():
        nonlocal line, column
        lines.append("".join(line).rstrip())
        line, column = [], 0

    i = 0
    while i < len(text):
        character = text[i]
        if character == "\x1b":
            match = ESCAPE.match(text, i)
            if match:
                argument, command = match.groups()
                if command == "K":
                    if argument in ("", "0"):
                        del line[column:]
                    elif argument == "2":
                        line = [" "] * column
                i = match.end()
                continue
        if character == "\r":
            column = 0
        elif character == "\n":
            newline()
        elif character == "\b":
            column = max(column - 1, 0)
        elif character >= " " or character == "\t":
            if column >= columns:
                newline()
            if column < len(line):
                line[column] = character
            else:
                line.extend(" " * (column - len(line)))
                line.append(character)
            column += 1
        i += 1
    lines.append("".join(line).rstrip())
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", type=int, default=150)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command and args.command[0] == "--" else args.command
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, args.columns, 0, 0))
    environment = dict(os.environ, TERM=os.environ.get("TERM", "xterm-256color"), COLUMNS=str(args.columns))
    process = subprocess.Popen(command, stdin=secondary, stdout=secondary, stderr=secondary, env=environment,
                               start_new_session=True)
    os.close(secondary)
    chunks, deadline = [], time.time() + args.timeout
    while True:
        if time.time() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                data = os.read(primary, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            # Drain what is left, then stop.
            try:
                while select.select([primary], [], [], 0.1)[0]:
                    data = os.read(primary, 65536)
                    if not data:
                        break
                    chunks.append(data)
            except OSError:
                pass
            break
    code = process.wait()
    raw = b"".join(chunks).decode("utf-8", "replace")
    print(json.dumps({"exit": code, "lines": render(raw, args.columns), "raw": raw}))


if __name__ == "__main__":
    main()
