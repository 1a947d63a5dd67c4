"""The `linkdesk` command: parses the command line, then starts the window or a CLI command."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from linkdesk import version
from linkdesk.core.errors import redact

EPILOG = """\
commands:
  (none)     open the window
  create     create a payment link, record it in the history and print its URL
  methods    list the payment methods links can use
  links      list the links in this computer's history, newest first
  export     write the history (or part of it) to a CSV file for the accountant
  key        store, clear or show the secret API key in the system keyring
  emulator   run the local billing.io API emulator in the foreground

exit codes: 0 success, 2 invalid input, 3 billing.io refused the request,
4 network or server failure, 5 no usable API key or keyring, 1 anything else
(such as a history or export file that cannot be written). A link that was created
but could not be recorded in the history is still printed, with a warning on standard
error, and the exit code is 0: the link exists and can be used.
"""


class _Parser(argparse.ArgumentParser):
    """argparse repeats unknown arguments in its errors; a key pasted there must not echo."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {redact(message)}\n")


class _VersionAction(argparse.Action):
    """--version, reading the package metadata only when asked."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"linkdesk {version()}")
        parser.exit()


def _common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted both before and after a command name."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use the built-in billing.io emulator and a demo key (no account needed)",
    )
    parser.add_argument(
        "--api-base",
        metavar="URL",
        default=default,
        help="billing.io API address (default: $LINKDESK_API_BASE or https://api.billing.io/v1)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="log what linkdesk does to standard error (and, for the window, in detail "
        "to its log file)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="folder of the link history (default: $LINKDESK_DATA_DIR or the system's "
        "application data folder)",
    )


def build_parser(*, with_commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; without its commands, just the window's options (see
    `parse_arguments`)."""
    parser = _Parser(
        prog="linkdesk",
        description="billing.io payment links with a QR code, at the shop counter.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    _common_options(parser, suppress=False)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="open the window, wait until it is ready for input, then exit 0",
    )
    if not with_commands:
        parser.set_defaults(command=None)
        return parser
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    common = _Parser(add_help=False)
    _common_options(common, suppress=True)

    create = commands.add_parser("create", parents=[common], help="create a payment link")
    create.add_argument("--amount", required=True, help="amount in USD, e.g. 29.99")
    create.add_argument(
        "--method", metavar="PM_ID", help="payment method id (default: the account's default)"
    )
    create.add_argument("--description", help="text shown on the payment page (512 at most)")
    create.add_argument(
        "--expires-in",
        metavar="SECONDS",
        help="lifetime in seconds, from 300 to 2592000 (30 days); default: never expires",
    )
    create.add_argument("--json", action="store_true", help="print the link as JSON")

    methods = commands.add_parser("methods", parents=[common], help="list payment methods")
    methods.add_argument("--json", action="store_true", help="print the methods as JSON")

    key = commands.add_parser("key", parents=[common], help="manage the secret API key")
    key.add_argument("action", choices=["set", "clear", "status"])
    key.add_argument(
        "--environment",
        choices=["sandbox", "live"],
        help="with clear: only this environment's key (default: both)",
    )

    links = commands.add_parser("links", parents=[common], help="list the link history")
    links.add_argument("--json", action="store_true", help="print the links as JSON")
    links.add_argument(
        "--limit", metavar="N", default="20", help="how many links, newest first (default: 20)"
    )

    export = commands.add_parser(
        "export", parents=[common], help="write the link history to a CSV file"
    )
    export.add_argument("--output", metavar="FILE", required=True, help="the CSV file to write")
    export.add_argument(
        "--since",
        metavar="DATE",
        help="links created on or after this day (2026-11-01) or moment (2026-11-01T09:30), "
        "local time unless it ends in Z or an offset",
    )
    export.add_argument(
        "--until",
        metavar="DATE",
        help="links created up to the end of this day (2026-11-30), or before this moment",
    )
    export.add_argument(
        "--state",
        choices=["active", "expired", "all"],
        default="all",
        help="active: still payable (including links that never expire); default: all",
    )
    export.add_argument(
        "--environment", choices=["sandbox", "live"], help="only test or only live links"
    )

    emulator = commands.add_parser("emulator", help="run the billing.io API emulator")
    emulator.add_argument("emulator_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def configure_logging(verbose: bool, *, to_file: bool = False) -> None:
    """Warnings (everything with --verbose) to stderr; the window also keeps a log file
    (linkdesk/logs.py). CLI commands answer on the terminal and write no file, so a
    script calling them in a loop cannot rotate the window's log away."""
    from linkdesk.logs import setup_logging

    # The window opens the file once it is on screen (linkdesk.ui.main).
    setup_logging(verbose=verbose, to_file=to_file, open_file_later=to_file)


COMMANDS = frozenset(("create", "methods", "key", "links", "export", "emulator"))
HELP = frozenset(("-h", "--help"))


def parse_arguments(arguments: list[str]) -> argparse.Namespace:
    """Parse the command line. Opening the window, the usual case, needs only the
    top-level options: building every command's parser as well costs some 5 ms of the
    window's start. Anything else (a command, --help, a stray word) gets the whole
    parser, with its usage and its messages."""
    if not COMMANDS.intersection(arguments) and not HELP.intersection(arguments):
        args, rest = build_parser(with_commands=False).parse_known_args(arguments)
        if not rest:
            return args
    return build_parser().parse_args(arguments)


_VALUE_OPTIONS = ("--api-base", "--data-dir")


def _split_at_emulator(arguments: list[str]) -> tuple[list[str], list[str]] | None:
    """The options before the command and the emulator's own arguments, when the
    command is `emulator`. The emulator has options of its own, and argparse would claim
    those starting "--" after a top-level option (`--verbose emulator --port 0`)."""
    index = 0
    while index < len(arguments):
        word = arguments[index]
        if word == "emulator":
            return arguments[:index], arguments[index + 1 :]
        if not word.startswith("-") or word == "--":
            return None
        # An option's value is no command: `--data-dir emulator` names a folder.
        takes_value = "=" not in word and len(word) > 3
        index += 2 if takes_value and any(o.startswith(word) for o in _VALUE_OPTIONS) else 1
    return None


def _run_emulator(options: argparse.Namespace, emulator_arguments: list[str]) -> int:
    """`linkdesk [--verbose] emulator ...`; the other top-level options mean nothing to it."""
    for option, given in (
        ("--demo", options.demo),
        ("--api-base", options.api_base),
        ("--data-dir", options.data_dir),
        ("--smoke", options.smoke),
    ):
        if given:
            print(
                f"linkdesk: {option} does not apply to the emulator; leave it out "
                "(linkdesk emulator --help lists what it takes).",
                file=sys.stderr,
            )
            return 2
    configure_logging(options.verbose)
    from linkdesk.emulator.cli import main as emulator_main

    return emulator_main(emulator_arguments)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    split = _split_at_emulator(arguments)
    if split is not None:
        before, emulator_arguments = split
        return _run_emulator(
            build_parser(with_commands=False).parse_args(before), emulator_arguments
        )
    args = parse_arguments(arguments)
    if args.command == "emulator":  # reached with an abbreviated option before it
        return _run_emulator(args, args.emulator_args)
    configure_logging(args.verbose, to_file=args.command is None)

    if args.command is not None:
        from linkdesk import cli

        return cli.run(args)

    interrupts = _hold_interrupts()
    from linkdesk.ui.main import run_gui

    return run_gui(
        demo=args.demo,
        api_base=args.api_base,
        smoke=args.smoke,
        argv=[sys.argv[0] if sys.argv else "linkdesk"],
        data_dir=args.data_dir,
        interrupts=interrupts,
    )


def _hold_interrupts() -> list[int]:
    """Ctrl+C while the window is being built: noted here, for the window to act on
    once it can (it then closes as Ctrl+Q does, see linkdesk.ui.main.InterruptCloses).
    Python's own KeyboardInterrupt would surface in the middle of PySide's start, which
    swallows it, turns it into a SystemError or aborts."""
    # The C module under signal: signal's import builds enums, some 0.5 ms of the start.
    import _signal

    held: list[int] = []
    with contextlib.suppress(ValueError):  # not on the main thread: Python's default
        _signal.signal(_signal.SIGINT, lambda signum, _frame: held.append(signum))
    return held
