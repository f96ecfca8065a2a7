#!/usr/bin/env python3
"""plots.py — `ninja plots`: regenerate the README's pictures in docs/img.

  1. compare.py on msgbuf and mtchurn (full sizes, 3 rounds), its JSON in
     build/plots/compare.json and its tables in build/plots/compare.md;
  2. docs/img/latency-msgbuf.png and latency-mtchurn.png from that JSON;
  3. one msgbuf run of rgc and glibc with --timeline into
     build/plots/timeline-msgbuf.tsv, drawn as docs/img/timeline-msgbuf.png.
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources

import contextlib
import os
import subprocess

import compare
import plot
import systems

OUT = "build/plots"
IMG = "docs/img"
WORKLOADS = ("msgbuf", "mtchurn")


def main():
    os.chdir(compare.ROOT)
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(IMG, exist_ok=True)
    data = OUT + "/compare.json"
    # The tables go to the console as well as to compare.md: the pictures
    # come with the figures they were drawn from.
    with open(OUT + "/compare.md", "w") as md, \
            contextlib.redirect_stdout(md):
        status = compare.main(["--workloads", ",".join(WORKLOADS),
                               "--runs", "3", "--settle-ms", "1000",
                               "--json", data])
    with open(OUT + "/compare.md") as md:
        print(md.read())
    if status != 0:
        return status
    for w in WORKLOADS:
        plot.latency(data, w, "%s/latency-%s.png" % (IMG, w))

    tsv = OUT + "/timeline-msgbuf.tsv"
    with open(OUT + "/timeline-msgbuf.json", "w") as result:
        subprocess.run([systems.RGC_BENCH, "msgbuf", "--alloc", "rgc,glibc",
                        "--settle-ms", "1000", "--json", "--timeline", tsv],
                       stdout=result, check=True)
    plot.timeline(tsv, IMG + "/timeline-msgbuf.png",
                  "msgbuf (200000 x 1 KiB live, 1000000 pushes), "
                  "sampled every 5 ms")
    print("plots.py: wrote %s/latency-{%s}.png and %s/timeline-msgbuf.png"
          % (IMG, ",".join(WORKLOADS), IMG))
    return 0


if __name__ == "__main__":
    sys.exit(main())
