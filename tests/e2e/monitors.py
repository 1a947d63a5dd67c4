"""Split one Xvfb screen into two monitors, the way a counter has two: RandR 1.5 monitors.

Xvfb has a single output, and Qt's xcb platform shows separate X screens (or a Xinerama
desktop) as one screen; RandR 1.5 monitors are what it lists as screens. `xrandr
--setmonitor` would do this, but xrandr is not always installed, so libXrandr is called
directly. Start Xvfb with -noreset: a server that resets when its last client leaves
forgets the monitors.
"""

from __future__ import annotations

import ctypes
import ctypes.util


class _MonitorInfo(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_ulong),
        ("primary", ctypes.c_int),
        ("automatic", ctypes.c_int),
        ("noutput", ctypes.c_int),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("mwidth", ctypes.c_int),
        ("mheight", ctypes.c_int),
        ("outputs", ctypes.c_void_p),
    )


class _ScreenResources(ctypes.Structure):
    _fields_ = (
        ("timestamp", ctypes.c_ulong),
        ("config_timestamp", ctypes.c_ulong),
        ("ncrtc", ctypes.c_int),
        ("crtcs", ctypes.c_void_p),
        ("noutput", ctypes.c_int),
        ("outputs", ctypes.POINTER(ctypes.c_ulong)),
    )


def _libraries() -> tuple[ctypes.CDLL, ctypes.CDLL]:
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    xrandr = ctypes.CDLL(ctypes.util.find_library("Xrandr") or "libXrandr.so.2")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xrandr.XRRGetScreenResourcesCurrent.restype = ctypes.POINTER(_ScreenResources)
    xrandr.XRRGetScreenResourcesCurrent.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xrandr.XRRSetMonitor.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_MonitorInfo)]
    return x11, xrandr


def split_in_two(display: str, width: int, height: int) -> tuple[str, str]:
    """Make the left and right halves of `display` two monitors, LEFT (primary) and RIGHT."""
    x11, xrandr = _libraries()
    connection = x11.XOpenDisplay(display.encode())
    if not connection:
        raise RuntimeError(f"cannot open X display {display}")
    try:
        root = x11.XDefaultRootWindow(connection)
        resources = xrandr.XRRGetScreenResourcesCurrent(connection, root).contents
        # The one output goes to LEFT, so Xvfb's automatic whole-screen monitor disappears.
        output = (ctypes.c_ulong * 1)(resources.outputs[0])
        half = width // 2
        millimetres = (round(half / 96 * 25.4), round(height / 96 * 25.4))
        for index, name in enumerate((b"LEFT", b"RIGHT")):
            info = _MonitorInfo(
                x11.XInternAtom(connection, name, 0),
                int(index == 0),
                0,
                1 if index == 0 else 0,
                index * half,
                0,
                half,
                height,
                *millimetres,
                ctypes.cast(output, ctypes.c_void_p) if index == 0 else None,
            )
            xrandr.XRRSetMonitor(connection, root, ctypes.byref(info))
        x11.XSync(connection, 0)
    finally:
        x11.XCloseDisplay(connection)
    return "LEFT", "RIGHT"
