"""A reader for APScheduler pickles (3.x job states, 4.x schedule values) that runs nothing: opcodes in, data out.

Kairos never unpickles what a linked store holds. This reader walks the pickle's opcodes with
`pickletools.genops` and interprets the few that job states use into a tree of plain nodes: a
global is only a name, checked against the allowlist in `records` (APScheduler's trigger, field
and expression classes, datetime values and time zones; anything else, `os.system` or a user's
class, refuses the pickle naming it); REDUCE, NEWOBJ and BUILD become records of (name, args,
state). No class is looked up, nothing is called and no attribute of any real object is set, so
a pickle cannot change anything outside its own tree. Input size, opcodes, nesting and the
expansion of shared references are capped before `records.value_of` turns the records into
values.
"""

from __future__ import annotations

import pickletools
from dataclasses import dataclass, field
from typing import Any

from kairos.integrations.apscheduler.records import (
    APSCHEDULER_CLASSES,
    CONVERTERS,
    Name,
    Obj,
    RefusedPickle,
    value_of,
)

__all__ = ["MAX_DEPTH", "Obj", "RefusedPickle", "read_pickle"]

MAX_BYTES = 1_000_000
MAX_OPCODES = 200_000
MAX_DEPTH = 100
# Values and characters, counting a shared reference once for each place it appears.
MAX_EXPANDED = 1_000_000
MAX_INT_BITS = 1024


# Names the reader itself understands while reading: how protocols 0-2 spell "make an object",
# and the attribute lookup a ZoneInfo pickles as. Python 2 spellings are read as Python 3's.
_READER_NAMES = frozenset({"copyreg._reconstructor", "copyreg.__newobj__", "builtins.getattr", "builtins.object"})
_PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


@dataclass(eq=False)
class _Dict:
    pairs: list[tuple[Any, Any]] = field(default_factory=list)


@dataclass(eq=False)
class _Record:
    name: Name
    args: tuple[Any, ...]
    state: Any = None
    built: bool = False


class _Mark:
    """MARK on the stack."""


_MARK = _Mark()


def _refused_name(name: Name) -> RefusedPickle:
    return RefusedPickle(
        f"the pickle names {name}, which is not a trigger, date or time zone class; "
        "Kairos reads APScheduler job state without running it and refuses anything else")


def _name(module: Any, qualname: Any) -> Name:
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise RefusedPickle("the pickle names a global that is not a string")
    name = Name(_PY2_MODULES.get(module, module), qualname)
    if str(name) not in APSCHEDULER_CLASSES and str(name) not in CONVERTERS and str(name) not in _READER_NAMES:
        raise _refused_name(name)
    return name


def _reduce(func: Any, args: Any) -> Any:
    """What REDUCE leaves on the stack: a record, or a name for the reader's own few functions."""
    if not isinstance(func, Name):
        raise RefusedPickle("the pickle calls something that is not a named class")
    if not isinstance(args, tuple):
        raise RefusedPickle(f"the pickle calls {func} with arguments that are not a tuple")
    called = str(func)
    if called == "builtins.getattr":
        if len(args) != 2 or not isinstance(args[0], Name) or not isinstance(args[1], str):
            raise RefusedPickle("the pickle looks up an attribute of something that is not a named class")
        return _name(args[0].module, f"{args[0].qualname}.{args[1]}")
    if called == "copyreg._reconstructor":
        if (len(args) != 3 or not isinstance(args[0], Name) or args[1] != Name("builtins", "object")
                or args[2] is not None):
            raise RefusedPickle("the pickle rebuilds an object in a way APScheduler does not write")
        return _Record(args[0], ())
    if called == "copyreg.__newobj__":
        if not args or not isinstance(args[0], Name):
            raise RefusedPickle("the pickle makes an object of something that is not a named class")
        return _Record(args[0], args[1:])
    if called in _READER_NAMES:
        raise RefusedPickle(f"the pickle calls {func}, which Kairos does not allow")
    return _Record(func, args)


def _build(obj: Any, state: Any) -> None:
    # BUILD only ever fills in a record the pickle itself made: a name (a class, a function, a
    # module-level object) is never given attributes.
    if not isinstance(obj, _Record):
        what = obj if isinstance(obj, Name) else type(obj).__name__
        raise RefusedPickle(f"the pickle sets attributes on {what}, which Kairos does not allow")
    if obj.built:
        raise RefusedPickle(f"the pickle sets the attributes of a {obj.name} twice")
    obj.state, obj.built = state, True


def _pop_mark(stack: list[Any], marks: list[int]) -> list[Any]:
    if not marks:
        raise RefusedPickle("the pickle uses a MARK it never set")
    start = marks.pop()
    items = stack[start:]
    del stack[start:]
    return items


def _pop(stack: list[Any], count: int = 1) -> list[Any]:
    if len(stack) - count < 0 or any(item is _MARK for item in stack[-count:]):
        raise RefusedPickle("the pickle's stack runs out")
    items = stack[-count:]
    del stack[-count:]
    return items


def _top(stack: list[Any], kinds: type | tuple[type, ...], what: str) -> Any:
    if not stack or not isinstance(stack[-1], kinds):
        raise RefusedPickle(f"the pickle adds to something that is not a {what}")
    return stack[-1]


_SCALARS = frozenset({
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE",
    "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
})
_CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False}


def _interpret(data: bytes) -> Any:
    """The pickle's tree of plain nodes (lists, tuples, `_Dict`s, `_Record`s, names, scalars)."""
    stack: list[Any] = []
    marks: list[int] = []
    memo: dict[int, Any] = {}
    for count, (opcode, raw, _pos) in enumerate(pickletools.genops(data), 1):
        arg: Any = raw
        if count > MAX_OPCODES:
            raise RefusedPickle(f"the pickle has more than {MAX_OPCODES:,} opcodes")
        op = opcode.name
        if op in _SCALARS:
            if isinstance(arg, int) and arg.bit_length() > MAX_INT_BITS:
                raise RefusedPickle(f"the pickle holds an integer of more than {MAX_INT_BITS} bits")
            stack.append(arg)
        elif op in _CONSTANTS:
            stack.append(_CONSTANTS[op])
        elif op == "PROTO":
            if not 0 <= arg <= 5:
                raise RefusedPickle(f"pickle protocol {arg} is not one Kairos reads")
        elif op == "FRAME":
            continue
        elif op == "STOP":
            (result,) = _pop(stack)
            return result
        elif op == "MARK":
            if len(marks) >= MAX_DEPTH:
                raise RefusedPickle(f"the pickle is nested more than {MAX_DEPTH} deep")
            marks.append(len(stack))
            stack.append(_MARK)
        elif op == "POP":
            if stack and stack[-1] is _MARK:
                _pop_mark(stack, marks)
            else:
                _pop(stack)
        elif op == "POP_MARK":
            _pop_mark(stack, marks)
        elif op == "DUP":
            stack.append(_pop(stack)[0])
            stack.append(stack[-1])
        elif op == "EMPTY_DICT":
            stack.append(_Dict())
        elif op == "EMPTY_LIST":
            stack.append([])
        elif op == "EMPTY_TUPLE":
            stack.append(())
        elif op in ("TUPLE1", "TUPLE2", "TUPLE3"):
            stack.append(tuple(_pop(stack, int(op[-1]))))
        elif op == "TUPLE":
            stack.append(tuple(_pop_mark(stack, marks)[1:]))
        elif op == "LIST":
            stack.append(_pop_mark(stack, marks)[1:])
        elif op == "DICT":
            items = _pop_mark(stack, marks)[1:]
            stack.append(_Dict(list(zip(items[::2], items[1::2], strict=False))))
        elif op == "APPEND":
            (item,) = _pop(stack)
            _top(stack, list, "list").append(item)
        elif op == "APPENDS":
            items = _pop_mark(stack, marks)[1:]
            _top(stack, list, "list").extend(items)
        elif op == "SETITEM":
            key, value = _pop(stack, 2)
            _top(stack, _Dict, "dict").pairs.append((key, value))
        elif op == "SETITEMS":
            items = _pop_mark(stack, marks)[1:]
            if len(items) % 2:
                raise RefusedPickle("the pickle sets a dict key without a value")
            _top(stack, _Dict, "dict").pairs.extend(zip(items[::2], items[1::2], strict=True))
        elif op == "GLOBAL":
            module, _, qualname = str(arg).partition(" ")
            stack.append(_name(module, qualname))
        elif op == "STACK_GLOBAL":
            module, qualname = _pop(stack, 2)
            stack.append(_name(module, qualname))
        elif op == "REDUCE":
            func, args = _pop(stack, 2)
            stack.append(_reduce(func, args))
        elif op in ("NEWOBJ", "NEWOBJ_EX"):
            if op == "NEWOBJ_EX":
                cls, args, kwargs = _pop(stack, 3)
                if not isinstance(kwargs, _Dict) or kwargs.pairs:
                    raise RefusedPickle("the pickle makes an object with keyword arguments")
            else:
                cls, args = _pop(stack, 2)
            if not isinstance(cls, Name) or str(cls) in _READER_NAMES or not isinstance(args, tuple):
                raise RefusedPickle(f"the pickle makes an object of {cls if isinstance(cls, Name) else 'no class'}")
            stack.append(_Record(cls, args))
        elif op == "BUILD":
            (state,) = _pop(stack)
            (obj,) = _pop(stack)
            _build(obj, state)
            stack.append(obj)
        elif op in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            if not stack or stack[-1] is _MARK:
                raise RefusedPickle("the pickle memoizes nothing")
            memo[len(memo) if op == "MEMOIZE" else int(arg)] = stack[-1]
        elif op in ("GET", "BINGET", "LONG_BINGET"):
            if int(arg) not in memo:
                raise RefusedPickle(f"the pickle refers to memo entry {arg}, which it never made")
            stack.append(memo[int(arg)])
        else:
            raise RefusedPickle(f"the pickle uses opcode {op}, which APScheduler job state does not")
    raise RefusedPickle("the pickle has no STOP")


def _children(node: Any) -> list[Any] | tuple[Any, ...] | None:
    if isinstance(node, list | tuple):
        return node
    if isinstance(node, _Dict):
        return [part for pair in node.pairs for part in pair]
    if isinstance(node, _Record):
        return (*node.args, node.state)
    return None


def _measure(node: Any, depth: int, seen: dict[int, tuple[int, int]], open_: set[int]) -> tuple[int, int]:
    """(expanded size, height) of a node, refusing cycles, deep nesting and large expansions.

    Shared nodes are measured once (memoized by identity), so this is linear in the pickle's size
    while the size it reports is what the tree would be with every shared reference copied out.
    """
    if depth > MAX_DEPTH:
        raise RefusedPickle(f"the pickle is nested more than {MAX_DEPTH} deep")
    kids = _children(node)
    if kids is None:
        return (1 + len(node) if isinstance(node, str | bytes) else 1), 0
    key = id(node)
    if key in seen:
        size, height = seen[key]
        if depth + height > MAX_DEPTH:
            raise RefusedPickle(f"the pickle is nested more than {MAX_DEPTH} deep")
        return size, height
    if key in open_:
        raise RefusedPickle("the pickle's data contains itself (a reference cycle), which Kairos does not read")
    open_.add(key)
    size, height = 1, 0
    for kid in kids:
        kid_size, kid_height = _measure(kid, depth + 1, seen, open_)
        size, height = size + kid_size, max(height, kid_height + 1)
        if size > MAX_EXPANDED:
            raise RefusedPickle(f"the pickle's data, with its shared references expanded, would be larger "
                                f"than {MAX_EXPANDED:,} values and characters")
    open_.discard(key)
    seen[key] = (size, height)
    return size, height


def _convert(node: Any, done: dict[int, Any]) -> Any:
    """The node as a value: records through the allowlist's converters, containers as Python's."""
    if isinstance(node, str | bytes | int | float | bool | type(None) | Name):
        return node
    key = id(node)
    if key not in done:
        if isinstance(node, list):
            done[key] = [_convert(item, done) for item in node]
        elif isinstance(node, tuple):
            done[key] = tuple(_convert(item, done) for item in node)
        elif isinstance(node, _Dict):
            value: dict[Any, Any] = {}
            for k, v in node.pairs:
                k = _convert(k, done)
                try:
                    hash(k)
                except TypeError:
                    raise RefusedPickle("the pickle has a dict key that is not a plain value") from None
                value[k] = _convert(v, done)
            done[key] = value
        else:
            assert isinstance(node, _Record)
            args = tuple(_convert(a, done) for a in node.args)
            done[key] = value_of(str(node.name), args, _convert(node.state, done), node.built)
    return done[key]


def read_pickle(data: bytes) -> Any:
    """The pickle's data as plain values and `Obj`s; RefusedPickle for anything else, and nothing run."""
    if len(data) > MAX_BYTES:
        raise RefusedPickle(f"the pickle is larger than {MAX_BYTES:,} bytes")
    try:
        tree = _interpret(data)
    except RefusedPickle:
        raise
    except Exception as exc:  # genops's own errors for a malformed stream
        raise RefusedPickle(f"not a readable pickle: {exc.__class__.__name__}: {exc}") from None
    _measure(tree, 0, {}, set())
    return _convert(tree, {})
