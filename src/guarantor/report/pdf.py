"""PDF of a report through headless Chromium's printing (the same HTML, print stylesheet)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from guarantor.errors import UserError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags that keep a headless Chromium off the network and away from the user's profile.
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    """The Chromium executable ($GUARANTOR_CHROMIUM or one on PATH), or None."""
    explicit = os.environ.get("GUARANTOR_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float = 120.0) -> None:
    """Print an HTML file to PDF with headless Chromium; the PDF appears only when complete."""
    exe = find_chromium()
    if exe is None:
        raise UserError(
            "--pdf needs Chromium (apt-get install chromium, or set GUARANTOR_CHROMIUM); "
            f"the HTML report is at {html_path}"
        )
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="guarantor-chromium-") as profile:
        tmp = Path(profile) / "out.pdf"
        cmd = [
            exe,
            *QUIET_FLAGS,
            f"--user-data-dir={profile}/user",
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            html_path.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise UserError(
                f"Chromium did not print {html_path.name} within {timeout:.0f} s"
            ) from None
        if done.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise UserError(
                f"Chromium could not print the report: {' | '.join(tail) or 'no output'}"
            )
        staged = pdf_path.with_name(f".{pdf_path.name}.tmp")
        shutil.copyfile(tmp, staged)
        os.replace(staged, pdf_path)
