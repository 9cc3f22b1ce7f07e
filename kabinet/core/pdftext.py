"""The text of a PDF, read in a child process that cannot hurt the portal.

A PDF is a program for its reader: a 100 KB file whose pages share one huge Flate stream makes pdfium
inflate it again for every page (gigabytes of work, hundreds of megabytes of memory). So pdfium never
runs in a worker of ours: a fresh interpreter reads the file with an address-space limit (RLIMIT_AS), a
CPU-time limit (RLIMIT_CPU, the kernel kills it past it), a page limit and an output limit, and the
parent kills it past a wall-clock limit too. Whatever goes wrong, the caller gets `ExtractionFailed`.

This file is also the child's program: it is run by path with `python -I`, so the child imports
nothing of the portal (no Django, no settings, no database connection).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


class ExtractionFailed(Exception):
    """The child was killed (memory, CPU, wall clock) or could not read the file."""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int
    cpu_seconds: int
    max_pages: int
    max_chars: int

    @property
    def wall_seconds(self) -> float:
        # CPU time is what the kernel counts; a child stuck without using the CPU is stopped by this.
        return self.cpu_seconds * 2 + 5


def extract_pdf_text(data: bytes, limits: Limits) -> str:
    """The words of the first `max_pages` pages, whitespace collapsed, at most `max_chars` characters."""
    command = [
        sys.executable,
        "-I",  # isolated: no user site, no PYTHON* variables, not the current directory on the path
        str(Path(__file__).resolve()),
        str(limits.memory_bytes),
        str(limits.cpu_seconds),
        str(limits.max_pages),
        str(limits.max_chars),
    ]
    try:
        done = subprocess.run(  # noqa: S603  # our own interpreter and file, fixed arguments
            command, input=data, capture_output=True, timeout=limits.wall_seconds, check=False
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        raise ExtractionFailed(f"still running after {limits.wall_seconds} s") from exc
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise ExtractionFailed(f"the child ended with {done.returncode}: {reason[0][:200]}")
    return done.stdout[: limits.max_chars * 4].decode("utf-8", errors="replace")[: limits.max_chars]


def _child(memory_bytes: int, cpu_seconds: int, max_pages: int, max_chars: int) -> None:
    import resource  # reason: the child's own limits, set before it reads a byte of the file

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    data = sys.stdin.buffer.read()
    import pypdfium2  # reason: a native library, loaded only in the child that reads the PDF

    pdf = pypdfium2.PdfDocument(data)
    words: list[str] = []
    length = 0
    for index in range(min(len(pdf), max_pages)):
        page_words = pdf[index].get_textpage().get_text_range().split()
        words.extend(page_words)
        length += sum(len(w) + 1 for w in page_words)
        if length >= max_chars:
            break
    sys.stdout.buffer.write(" ".join(words)[:max_chars].encode("utf-8"))  # whatever the child's locale


if __name__ == "__main__":
    _child(*(int(arg) for arg in sys.argv[1:5]))
