"""Render the app icon from resources/linkdesk.svg into every format the bundles need.

Run at build time (packaging/build.py does); nothing it writes is checked in. Qt's SVG
renderer draws the PNGs, so the icon looks the same as the one the running window
shows, and Pillow packs them into the Windows .ico and the macOS .icns, which it can
write on any platform.

    python resources/make_icons.py [--out build/icons]

writes, under the output folder:

    hicolor/<N>x<N>/apps/<APP_ID>.png   for every size in HICOLOR_SIZES
    hicolor/scalable/apps/<APP_ID>.svg  the source itself
    linkdesk.ico                        16 to 256 px, for the Windows .exe and installer
    linkdesk.icns                       16 to 1024 px, for the macOS .app
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "linkdesk.svg"
DEFAULT_OUT = ROOT / "build" / "icons"

# The reverse-DNS id that names the desktop entry, the metainfo and the icons on Linux.
APP_ID = "app.linkdesk.linkdesk"

# The sizes desktops look for in the hicolor theme (the icon theme specification).
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
# Windows picks among these for the taskbar, Explorer views and the title bar.
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
# An .icns holds 16 to 512 px at 1x and 2x, so 1024 px is its largest image.
ICNS_SIZE = 1024


def render(svg: Path, size: int):
    """The SVG drawn on a transparent square of `size` pixels, as a Pillow image."""
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = bytes(image.constBits())
    return Image.frombuffer("RGBA", (size, size), data, "raw", "RGBA", image.bytesPerLine(), 1)


def make_icons(out: Path, svg: Path = SOURCE) -> list[Path]:
    """Write every icon file into `out`; return their paths."""
    # QSvgRenderer needs a QGuiApplication; no screen is needed for drawing into images.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    written: list[Path] = []
    largest = render(svg, ICNS_SIZE)
    for size in HICOLOR_SIZES:
        path = out / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Each size is drawn from the vector, not scaled down from a bitmap, so edges
        # stay sharp at 16 and 22 px.
        render(svg, size).save(path)
        written.append(path)
    scalable = out / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    written.append(scalable)

    ico = out / "linkdesk.ico"
    frames = [render(svg, size) for size in ICO_SIZES]
    frames[-1].save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=frames)
    written.append(ico)

    icns = out / "linkdesk.icns"
    # Given the smaller sizes drawn from the vector, Pillow uses them instead of
    # scaling the 1024 px image down.
    smaller = [render(svg, size) for size in (32, 64, 128, 256, 512)]
    largest.save(icns, format="ICNS", append_images=smaller)
    written.append(icns)
    del app
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    for path in make_icons(args.out):
        print(path.relative_to(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
