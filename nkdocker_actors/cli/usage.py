"""Usage errors as docker 28's: its wording, its layout, its exit codes.

docker parses a command's flags first (pflag) and only then counts its arguments
(cobra), so a bad flag anywhere wins over a missing or extra argument:

    unknown flag: --bogus                       | nkdocker: 'nkdocker ps' accepts no arguments
                                                |
    Usage:  nkdocker ps [OPTIONS]               | Usage:  nkdocker ps [OPTIONS]
                                                |
    Run 'nkdocker ps --help' for more information | Run 'nkdocker ps --help' for more ...

on stderr, exit 125 for a flag (unknown, missing its value, a value its type refuses), 1
for the count of arguments and for an unknown command. Every parser is a `DockerParser`:
before argparse parses its words, it walks them as pflag does (`--name=VALUE`, `--name
VALUE`, `-abc` clusters, `-nVALUE`, `--` and, for a command taking a command line, the
first argument ending the flags) and refuses the first bad flag; argparse's own errors
(a missing argument, an unknown command) and the words it left over become docker's count
errors, reported by the command they belong to, not by `nkdocker` itself.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TypeVar

from .common import PROG, CliError

GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # what Go's strconv.ParseBool reads
GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")

_N = TypeVar("_N", bound=argparse.Namespace)
_GO_INT = re.compile(r"[+-]?[0-9]+\Z")
_GO_FLOAT = re.compile(r"[+-]?(inf(inity)?|nan|([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?)\Z", re.I)
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?\Z", re.I)
_NO_VALUE = (
    argparse._StoreTrueAction,
    argparse._StoreFalseAction,
    argparse._StoreConstAction,
    argparse._CountAction,
    argparse._HelpAction,
    argparse._VersionAction,
)
_OURS = ("sub_host", "sub_json")  # -H and --json after the command: docker's are global


class UsageError(CliError):
    """A command line docker refuses before doing anything: `text` is what it prints."""

    def __init__(self, message: str, code: int, text: str) -> None:
        super().__init__(message, code)
        self.text = text


class _Refused(Exception):
    """argparse's error(), turned into an exception its caller (ours) words as docker."""


def cpus(text: str) -> float:
    """--cpus: a decimal number, refused in the words of docker's NanoCPUs."""
    if not _DECIMAL.match(text):
        raise argparse.ArgumentTypeError(f"failed to parse {text} as a rational number")
    return float(text)


def go_filter(text: str) -> str:
    """A --filter's KEY=VALUE, refused in the words of docker's flag (an empty one is
    no filter: `--filter=`)."""
    if text and "=" not in text:
        raise argparse.ArgumentTypeError("bad format of filter (expected name=value)")
    return text


class DockerParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are docker's (see the module's docstring)."""

    arity: tuple[int, int | None] | None = None  # (a command's Cmd.arity)
    interspersed = True  # (Cmd.interspersed)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: _N | None = None
    ) -> tuple[_N | argparse.Namespace, list[str]]:
        words = list(sys.argv[1:] if args is None else args)
        words = self._pflag_walk(words)
        try:
            parsed, extras = super().parse_known_args(words, namespace)
        except _Refused as refused:
            raise self._translated(str(refused), refused.__context__) from None
        if extras:  # (a command's words beyond what it takes: flags were checked)
            raise self._count_error()
        if self.arity is not None and self._given(parsed) < self.arity[0]:
            raise self._count_error()
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        raise _Refused(message)

    # -- what is wrong, in docker's words ------------------------------------------------

    def _translated(self, message: str, cause: BaseException | None) -> UsageError:
        """argparse's error, once the flags were found good: a missing argument (or
        command), an unknown command, or a value argparse refused."""
        if message.startswith("the following arguments are required"):
            if self._subcommands() is not None:
                return self._group_help()
            return self._count_error()
        if "invalid choice" in message and self._subcommands() is not None:
            word = re.search(r"invalid choice: '(.*?)'", message)
            unknown = f"{self.prog} {word.group(1) if word else ''}".rstrip()
            usage = "" if self._is_top() else f"Usage:  {self.prog}\n\n"
            text = (
                f"{PROG}: unknown command: {unknown}\n\n{usage}"
                f"Run '{self.prog} --help' for more information\n"
            )
            return UsageError(f"unknown command: {unknown}", 1, text)
        if isinstance(cause, argparse.ArgumentError) and cause.argument_name is not None:
            name = cause.argument_name
            if name.startswith("-") and "expected" in str(cause.message):
                return self._flag_error(f"flag needs an argument: {name.split('/')[-1]}")
            if not name.startswith("-"):  # a positional's choices
                return self._flag_error(str(cause.message), 1)
        return self._flag_error(re.sub(r"^argument \S+: ", "", message))

    def _flag_error(self, message: str, code: int = 125) -> UsageError:
        text = (
            f"{message}\n\nUsage:  {self.usage_line()}\n\n"
            f"Run '{self.prog} --help' for more information\n"
        )
        return UsageError(message, code, text)

    def _count_error(self) -> UsageError:
        least, most = self.argument_counts()
        hint = "Run"
        if most == 0:
            wanted = "accepts no arguments"
        elif least == most:
            wanted = f"requires {_arguments(least)}"
        elif most is None:
            wanted, hint = f"requires at least {_arguments(least)}", "See"
        elif least == 0:
            wanted = f"requires at most {_arguments(most)}"
        else:
            wanted = f"requires at least {least} and at most {_arguments(most)}"
        message = f"'{self.prog}' {wanted}"
        text = (
            f"{PROG}: {message}\n\nUsage:  {self.usage_line()}\n\n"
            f"{hint} '{self.prog} --help' for more information\n"
        )
        return UsageError(message, 1, text)

    def _group_help(self) -> UsageError:
        """A group named alone (`nkdocker network`): its help on stderr, exit 0, as docker."""
        return UsageError("", 0, self.format_help())

    # -- what the parser knows --------------------------------------------------------

    def _subcommands(self) -> argparse._SubParsersAction[Any] | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
        return None

    def _is_top(self) -> bool:
        return self.prog == PROG

    def _is_command(self) -> bool:
        return self._subcommands() is None

    def _given(self, parsed: argparse.Namespace) -> int:
        """How many arguments the command was given."""
        values = (getattr(parsed, a.dest, None) for a in self._get_positional_actions())
        return sum(len(v) if isinstance(v, list) else v is not None for v in values)

    def argument_counts(self) -> tuple[int, int | None]:
        """The fewest and the most arguments the command takes (None: no bound)."""
        if self.arity is not None:
            return self.arity
        least, most, bounded = 0, 0, True
        for action in self._get_positional_actions():
            nargs = action.nargs
            if nargs is None or isinstance(nargs, int):
                count = 1 if nargs is None else nargs
                least, most = least + count, most + count
            elif nargs == argparse.ONE_OR_MORE:
                least, bounded = least + 1, False
            elif nargs == argparse.OPTIONAL:
                most += 1
            else:  # *, ... and a group's COMMAND
                bounded = False
        return least, most if bounded else None

    def usage_line(self) -> str:
        """The command's usage as docker's template lays it out: `nkdocker ps [OPTIONS]`."""
        if self._is_top():
            return f"{PROG} [OPTIONS] COMMAND [ARG...]"
        if not self._is_command():
            return self.prog
        words = [self.prog]
        if any(
            a.option_strings and a.help != argparse.SUPPRESS and a.dest not in _OURS
            for a in self._actions
            if not isinstance(a, argparse._HelpAction)
        ):
            words.append("[OPTIONS]")
        for action in self._get_positional_actions():
            name = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
            if action.nargs == argparse.REMAINDER and action.dest == "cmd":
                before = self._get_positional_actions().index(action)  # (exec's COMMAND)
                wanted = self.arity is not None and self.arity[0] > before
                words.append("COMMAND [ARG...]" if wanted else "[COMMAND] [ARG...]")
            elif action.nargs == argparse.REMAINDER:
                words.append(f"[{name}...]")
            elif action.nargs == argparse.OPTIONAL:
                words.append(f"[{name}]")
            elif action.nargs == argparse.ZERO_OR_MORE:
                words.append(f"[{name}...]")
            elif action.nargs == argparse.ONE_OR_MORE:
                words.append(f"{name} [{name}...]")
            else:
                words.append(name)
        return " ".join(words)

    # -- the flags, walked as pflag walks them ------------------------------------------

    def _pflag_walk(self, words: list[str]) -> list[str]:
        """Refuse the first flag pflag would refuse: unknown, missing its value, with a
        value its type does not read. A command taking a command line (run IMAGE CMD...,
        a group's COMMAND) stops reading flags at its first argument, as docker's do.
        The words, each flag as argparse reads it as pflag does: a value as one word with
        its flag (`--format=-x`: pflag takes the next word whatever it is, argparse would
        not; `-te=x` is `-t --env=x`, not argparse's env "=x"), a cluster one flag a word;
        a `--` ending the words dropped (`ps -a --`, `nkdocker -- ps`: docker's are
        fine), one put before a command line (`run busybox -- x`: the `--` is CMD's, as
        docker's, not argparse's)."""
        out: list[str] = []
        parser = any(a.nargs == argparse.PARSER for a in self._get_positional_actions())
        interspersed = (
            self.interspersed
            and not parser
            and not any(a.nargs == argparse.REMAINDER for a in self._get_positional_actions())
        )
        index = 0
        while index < len(words):
            word = words[index]
            index += 1
            if word == "--":
                rest = words[index:]
                if not rest or (parser and self._is_top()):
                    return out + rest
                return [*out, word, *rest]
            if not word.startswith("-") or word == "-":  # an argument
                if interspersed:
                    out.append(word)
                    continue
                return [*out, *([] if parser else ["--"]), word, *words[index:]]
            walk = self._pflag_long if word.startswith("--") else self._pflag_shorts
            index = walk(word, words, index, out)
        return out

    def _pflag_long(self, word: str, words: list[str], index: int, out: list[str]) -> int:
        name, has_value, value = word[2:].partition("=")
        if not name or name[0] in "-=":
            raise self._flag_error(f"bad flag syntax: {word}")
        action = self._option_string_actions.get(f"--{name}")
        if action is None:
            raise self._flag_error(f"unknown flag: --{name}")
        if not _takes_value(action):
            if has_value:
                self._pflag_bool(action, f"--{name}", value)
            out.append(word if has_value else _bare(action, word))
            return index
        if not has_value:
            if index >= len(words):
                raise self._flag_error(f"flag needs an argument: --{name}")
            value, index = words[index], index + 1
        self._pflag_value(action, f"--{name}", value)
        out.append(f"--{name}={value}")
        return index

    def _pflag_shorts(self, word: str, words: list[str], index: int, out: list[str]) -> int:
        letters = word[1:]
        while letters:
            letter, rest = letters[0], letters[1:]
            action = self._option_string_actions.get(f"-{letter}")
            if action is None:
                raise self._flag_error(f"unknown shorthand flag: '{letter}' in -{letters}")
            if not _takes_value(action):
                if rest.startswith("="):
                    self._pflag_bool(action, f"-{letter}", rest[1:])
                    out.append(f"-{letter}{rest}")
                    return index
                out.append(_bare(action, f"-{letter}"))
                letters = rest
                continue
            if rest:  # (pflag: "-e=x" is x, "-e=" is "=")
                value = rest[1:] if len(rest) > 1 and rest[0] == "=" else rest
            elif index < len(words):
                value, index = words[index], index + 1
            else:
                raise self._flag_error(f"flag needs an argument: '{letter}' in -{letters}")
            self._pflag_value(action, f"-{letter}", value)
            out.append(f"{_long(action, f'-{letter}')}={value}")
            return index
        return index

    def _pflag_bool(self, action: argparse.Action, typed: str, value: str) -> None:
        if value not in GO_TRUE + GO_FALSE:
            reason = f'strconv.ParseBool: parsing "{value}": invalid syntax'
            raise self._value_error(action, typed, value, reason)

    def _pflag_value(self, action: argparse.Action, typed: str, value: str) -> None:
        reason = None
        if action.type is int:
            if not _GO_INT.match(value):
                reason = f'strconv.ParseInt: parsing "{value}": invalid syntax'
            elif not -(2**63) <= int(value) < 2**63:
                reason = f'strconv.ParseInt: parsing "{value}": value out of range'
        elif action.type is float:
            if not _GO_FLOAT.match(value):
                reason = f'strconv.ParseFloat: parsing "{value}": invalid syntax'
        elif callable(action.type):
            try:
                action.type(value)
            except argparse.ArgumentTypeError as refused:
                reason = str(refused)
            except (TypeError, ValueError):
                reason = f'invalid value "{value}"'
        if reason is None and action.choices is not None and value not in action.choices:
            reason = "must be one of " + ", ".join(f'"{c}"' for c in action.choices)
        if reason is not None:
            raise self._value_error(action, typed, value, reason)

    def _value_error(
        self, action: argparse.Action, typed: str, value: str, reason: str
    ) -> UsageError:
        return self._flag_error(
            f'invalid argument "{value}" for "{_flag_name(action, typed)}" flag: {reason}'
        )


def _takes_value(action: argparse.Action) -> bool:
    """Whether the flag reads a value (`-H` of history, nargs "?", reads one only after =)."""
    return not isinstance(action, _NO_VALUE) and action.nargs != argparse.OPTIONAL


def _bare(action: argparse.Action, typed: str) -> str:
    """A boolean flag given no value, as argparse reads it: history's `-H` (nargs "?",
    its value only after "=") as `--human=true`, lest argparse take the IMAGE after it."""
    return f"{_long(action, typed)}=true" if action.nargs == argparse.OPTIONAL else typed


def _long(action: argparse.Action, typed: str) -> str:
    """The flag's long name (argparse reads `--env=VALUE` whatever VALUE is), else `typed`."""
    longs = [s for s in action.option_strings if s.startswith("--") and "=" not in s]
    return max(longs, key=len) if longs else typed


def _flag_name(action: argparse.Action, typed: str) -> str:
    """The flag as pflag names it in an error: "-n, --last", "--cpus"; a long alias
    (stop's --time beside --timeout) is a flag of its own, without the shorthand."""
    shorts = [s for s in action.option_strings if len(s) == 2 and s[1] != "-"]
    longs = [s for s in action.option_strings if s.startswith("--") and "=" not in s]
    long = typed if typed.startswith("--") else (max(longs, key=len) if longs else None)
    if long is None:
        return typed
    if shorts and long == max(longs, key=len):
        return f"{shorts[0]}, {long}"
    return long


def _arguments(count: int) -> str:
    return f"{count} argument" if count == 1 else f"{count} arguments"
