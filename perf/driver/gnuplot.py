"""gnuplot.py — drawing through gnuplot: the PNG terminal this gnuplot has,
data handed over inline, and running one script."""

import shutil
import subprocess

SIZE = "900,540"

# Distinct colours for up to ten lines (gnuplot's default cycle has eight).
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _need_gnuplot():
    if not shutil.which("gnuplot"):
        raise SystemExit("plot.py: gnuplot is not installed "
                         "(Debian: apt-get install gnuplot-nox)")


def terminal():
    """pngcairo (antialiased) where this gnuplot has it, else png (libgd):
    both are in Debian's gnuplot-nox, other builds may lack either."""
    _need_gnuplot()
    p = subprocess.run(["gnuplot", "-e", "set terminal"],
                       capture_output=True, text=True)
    names = {line.split()[0] for line in (p.stdout + p.stderr).splitlines()
             if line.strip()}
    if "pngcairo" in names:
        return 'pngcairo size %s noenhanced font ",10"' % SIZE
    if "png" in names:
        return "png size %s noenhanced" % SIZE
    raise SystemExit("plot.py: this gnuplot has neither the pngcairo nor "
                     "the png terminal")


def datablock(name, rows):
    """Rows of numbers as a gnuplot datablock $name (gnuplot 5)."""
    body = "\n".join(" ".join("%.6g" % v for v in row) for row in rows)
    return "$%s << EOD\n%s\nEOD\n" % (name, body)


def quote(text):
    """A gnuplot string literal."""
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def draw(script, out):
    """Run script, which writes the PNG named out."""
    full = "set encoding utf8\nset terminal %s\nset output %s\n%s" % (
        terminal(), quote(out), script)
    p = subprocess.run(["gnuplot"], input=full, text=True,
                       capture_output=True)
    if p.returncode != 0:
        raise SystemExit("plot.py: gnuplot failed drawing %s:\n%s"
                         % (out, p.stderr.strip()))
