"""The runtime guard: a PEP 578 audit hook that applies the effective policy while the code runs.

The host sends the settings (derived from config.yml by src/policy/runtime-guard.ts) with
the code; the runner installs the hook after its own imports and before the code runs. A
refusal does not raise into the code, where a `try` could swallow it: the hook reports
the violation in the result frame and ends the process at once. The container remains the
security boundary; this is a second, run-time look at what the static check could not see.

Library code is trusted to do what libraries do (numpy loads ctypes, pandas asks
`uname -p`, imports read .py files); what decides is where an event comes from:
- capability events (processes, sockets, ctypes, file writes) are refused from anywhere,
  except while a library module initialises, with no line of the code in between;
- code-level events (exec, compile, frame and code-object access) only from the code's own
  frames, which are those compiled from the submitted sources (the code and any setup code,
  each under its own filename), and from the import machinery when it runs something other
  than a library's own loading.
"A library module initialises" is decided against the import machinery as it was when the
guard was made (ImportMachinery): importlib's frames alone prove nothing, since the code can
hand the machinery a finder and a loader of its own.
"""

import fnmatch
import importlib
import importlib.machinery
import os
import sys
import threading
from importlib import _bootstrap

# Reading the installed software and its data is no file operation of the code's own.
READ_ROOTS = ("/usr/", "/etc/matplotlibrc", "/etc/localtime", "/dev/null")
WRITE_MODES = frozenset("wax+")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
IMPORT_MACHINERY = ("<frozen importlib._bootstrap", os.path.dirname(importlib.__file__) + "/")
# sys.path entries at start under these hold the image's own libraries (Debian's and pip's).
LIBRARY_PATHS = ("/usr/lib/python3*", "/usr/local/lib/python3*")

PROCESS_EVENTS = frozenset(
    ("os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty", "os.kill", "os.killpg", "pty.spawn")
)
LISTING_EVENTS = frozenset(("os.listdir", "os.scandir", "os.walk", "os.fwalk", "glob.glob", "glob.glob/2"))
FILE_CHANGE_EVENTS = frozenset(
    (
        "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink",
        "os.truncate", "os.utime", "os.chflags", "os.mkfifo", "os.mknod", "os.setxattr", "os.removexattr",
        "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move",
        "shutil.rmtree", "shutil.chown", "shutil.make_archive", "shutil.unpack_archive",
    )
)
# Attributes whose reads or writes CPython audits: frames and code objects, the way out of Python's rules.
INTROSPECTION_READS = frozenset(("tb_frame", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_code", "__code__"))
INTROSPECTION_WRITES = frozenset(("__code__", "__class__", "__bases__"))
CODE_EVENTS = frozenset(("exec", "compile", "code.__new__", "function.__new__"))


class Refusal(Exception):
    def __init__(self, rule, subject):
        super().__init__(subject)
        self.rule = rule
        self.subject = subject


def is_import_allowed(name, allowed):
    parts = name.split(".")
    return any(".".join(parts[:n]) in allowed for n in range(1, len(parts) + 1))


def short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first(args):
    """The event's first argument, shown; some events (os.fork) have none."""
    return short(args[0]) if args else ""


class Guard:
    """Decides one audit event at a time; `report` ends the process on a refusal."""

    def __init__(self, settings, filenames, report):
        self.files = bool(settings.get("files"))
        self.os = bool(settings.get("os"))
        self.subprocess = bool(settings.get("subprocess"))
        self.network = bool(settings.get("network"))
        self.ctypes = bool(settings.get("ctypes"))
        self.pickle = bool(settings.get("pickle"))
        self.marshal = bool(settings.get("marshal"))
        self.gc = bool(settings.get("gc"))
        self.frames = bool(settings.get("frames"))
        self.imports = frozenset(settings.get("imports") or ())
        # The filenames the submitted sources were compiled under: their frames are the code's.
        self.filenames = (filenames,) if isinstance(filenames, str) else tuple(filenames)
        self.report = report
        self.read_roots = READ_ROOTS + ((os.environ["MPLCONFIGDIR"].rstrip("/") + "/",) if os.environ.get("MPLCONFIGDIR") else ())
        self.local = threading.local()
        self.installed = False
        self.machinery = ImportMachinery()

    def install(self):
        sys.addaudithook(self.hook)
        self.installed = True

    def hook(self, event, args):
        # Everything the hook itself does may raise events too (sys._getframe does).
        if getattr(self.local, "busy", False):
            return
        self.local.busy = True
        frame = sys._getframe(1)
        refused = None
        try:
            self.check(event, args, frame)
        except Refusal as refusal:
            refused = refusal
        except Exception:  # an event the guard cannot read is refused, never waved through
            refused = Refusal("runtime-introspection", f"{event} (unreadable to the guard)")
        finally:
            self.local.busy = False
        if refused is not None:
            self.report(event, refused.rule, refused.subject, frame)
            # `report` ends the process; should it ever return, the event still fails.
            raise PermissionError(f"tinyagent-sandbox: {event} refused by the runtime guard")

    def check(self, event, args, frame):
        if event == "open":
            self.check_open(args, frame)
        elif event in LISTING_EVENTS:
            if not (self.files or self.os or self.readable(args[0])) and not self.initialising(frame):
                raise Refusal("runtime-file-access", f"{event}({first(args)})")
        elif event in FILE_CHANGE_EVENTS:
            if not (self.files or (self.os and event.startswith("os."))) and not self.initialising(frame):
                raise Refusal("runtime-file-access", f"{event}({first(args)})")
        elif event in PROCESS_EVENTS or event == "subprocess.Popen":
            allowed = self.os or (event == "subprocess.Popen" and self.subprocess)
            if not allowed and not self.initialising(frame):
                raise Refusal("runtime-process", f"{event}({first(args)})")
        elif event.startswith("socket."):
            if not self.network:
                raise Refusal("runtime-network", event)
        elif event.startswith("ctypes."):
            if not self.ctypes and not self.initialising(frame):
                raise Refusal("runtime-native-code", event)
        elif event == "import":
            self.check_import(args[0], frame)
        elif event == "pickle.find_class":
            if not self.pickle and not is_import_allowed(str(args[0]), self.imports):
                raise Refusal("runtime-pickle", f"{args[0]}.{args[1]}")
        else:
            self.check_code_level(event, args, frame)

    def check_code_level(self, event, args, frame):
        """Events that libraries raise all the time and only the code's own calls should not."""
        if event in CODE_EVENTS or event.startswith("marshal."):
            if event.startswith("marshal.") and self.marshal:
                return
            # The machinery compiles and runs modules; `exec` handed to it as a loader method
            # would run the code's strings from the machinery's frames.
            by_machinery = frame is not None and frame.f_code.co_filename.startswith(IMPORT_MACHINERY)
            if self.is_code(frame) or (by_machinery and not self.initialising(frame)):
                raise Refusal("runtime-code-execution", event)
        elif event in ("object.__getattr__", "object.__delattr__"):
            if args[1] in INTROSPECTION_READS and self.is_code(frame):
                raise Refusal("runtime-introspection", f"{type(args[0]).__name__}.{args[1]}")
        elif event == "object.__setattr__":
            if args[1] in INTROSPECTION_WRITES and self.is_code(frame):
                raise Refusal("runtime-introspection", f"{type(args[0]).__name__}.{args[1]} =")
        elif event in ("sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile"):
            if not self.frames and self.is_code(frame):
                raise Refusal("runtime-introspection", event)
        elif event.startswith("gc.get_"):
            if not self.gc:
                raise Refusal("runtime-introspection", event)
        elif event == "sys.addaudithook" and self.installed:
            raise Refusal("runtime-introspection", event)
        elif event == "sqlite3.connect":
            if not self.files and args[0] not in (":memory:", b":memory:", ""):
                raise Refusal("runtime-file-access", f"sqlite3.connect({short(str(args[0]))})")

    def check_open(self, args, frame):
        path, mode, flags = (list(args) + [None, None, None])[:3]
        if self.files or isinstance(path, int):
            return
        writes = bool(WRITE_MODES & set(mode)) if isinstance(mode, str) else bool((flags or 0) & WRITE_FLAGS)
        if not writes and self.readable(path):
            return
        if self.initialising(frame):
            return
        shown = f"open({short(os.fsdecode(path))}, {mode!r})" if mode else f"open({short(os.fsdecode(path))})"
        raise Refusal("runtime-file-access", shown)

    def check_import(self, name, frame):
        """Only the code's own imports are held to the allowlist; libraries import what they need."""
        while frame is not None and frame.f_code.co_filename.startswith(IMPORT_MACHINERY):
            frame = frame.f_back
        if frame is not None and self.is_code(frame) and not is_import_allowed(name, self.imports):
            raise Refusal("runtime-import", name)

    def readable(self, path):
        try:
            absolute = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return absolute.startswith(self.read_roots) or absolute + "/" in self.read_roots

    def is_code(self, frame):
        return frame is not None and frame.f_code.co_filename in self.filenames

    def initialising(self, frame):
        """True while a library module's own loading runs, with none of the code's frames since.

        The innermost loading frame decides: a library importing another while it initialises
        is judged by the inner load, a finder or loader of the code's by its own.
        """
        called = None
        while frame is not None:
            if frame.f_code.co_filename in self.filenames:
                return False
            if self.machinery.is_loading(frame):
                return self.machinery.trusted_load(frame, called)
            called = frame
            frame = frame.f_back
        return False


class ImportMachinery:
    """The import system as the runner set it up, taken when the guard is made (before the code runs).

    A load is a library initialising when a loader of this snapshot runs it: a builtin or frozen
    importer of sys.meta_path, or a file loader of the type a sys.path_hooks entry produces, for
    a file under the image's library paths whose place there spells the module's name. The
    finder that found the spec is gone from the stack by then, so what it produced is checked
    instead: a finder of the code's can only hand over what the path search would have found.
    Nothing here calls the code's objects: types are compared by identity, attributes read only
    off instances of the exact standard classes, and those classes compared with the snapshot.
    """

    def __init__(self):
        meta_path, path_hooks = tuple(sys.meta_path), tuple(sys.path_hooks)
        self.roots = tuple(
            entry.rstrip("/") + "/"
            for entry in sys.path
            if type(entry) is str and any(fnmatch.fnmatchcase(entry, pattern) for pattern in LIBRARY_PATHS)
        )
        standard = (importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter)
        importers = [finder for finder in meta_path if any(finder is importer for importer in standard)]
        self.file_loaders = []  # (loader type, suffixes): what the snapshot's path search produces
        if any(finder is importlib.machinery.PathFinder for finder in meta_path):
            for hook in path_hooks:
                self.file_loaders.extend(file_finder_loaders(hook))
        # The loader methods the machinery calls from a loading frame, by code object.
        self.methods = {}
        for owner in (*importers, *(loader for loader, _ in self.file_loaders)):
            for name in ("create_module", "exec_module"):
                code = getattr(owner, name).__code__
                self.methods[id(code)] = (code, owner if any(owner is known for known in importers) else None)
        loading = (_bootstrap._load_unlocked, _bootstrap._exec, _bootstrap.module_from_spec)
        self.loading = {id(function.__code__): function.__code__ for function in loading}
        self.find_and_load = _bootstrap._find_and_load_unlocked.__code__
        owners = (importlib.machinery.ModuleSpec, *importers, *(loader for loader, _ in self.file_loaders))
        self.classes = [(owner, class_state(owner)) for owner in owners]

    def is_loading(self, frame):
        return self.loading.get(id(frame.f_code)) is frame.f_code

    def trusted_load(self, frame, called):
        """Whether the load in `frame` (one of `self.loading`), which called `called`, is a library's."""
        # No frame in between: a builtin (os.system, exec) handed over as a loader method.
        method = None if called is None else self.methods.get(id(called.f_code))
        if method is None or method[0] is not called.f_code:
            return False
        spec = frame.f_locals.get("spec")
        if type(spec) is not importlib.machinery.ModuleSpec or not self.intact(type(spec)):
            return False
        state = plain_state(spec) or {}
        name, loader = state.get("name"), state.get("loader")
        if type(name) is not str:
            return False
        if method[1] is not None:  # a builtin or frozen importer, its own loader
            trusted = loader is method[1] and self.intact(loader)
        else:
            trusted = called.f_locals.get("self") is loader and self.library_file(loader, name, state.get("origin"))
        return trusted and self.requested(frame, name)

    def library_file(self, loader, name, origin):
        """A standard file loader, untouched, for the library file that holds module `name`."""
        suffixes = next((found for kind, found in self.file_loaders if type(loader) is kind), None)
        if suffixes is None or not self.intact(type(loader)):
            return False
        state = plain_state(loader)
        if state is None or len(state) != 2 or type(state.get("name")) is not str:
            return False
        path = state.get("path")
        if type(path) is not str or type(origin) is not str or path != origin or state["name"] != name:
            return False
        return name in self.module_names(path, suffixes)

    def module_names(self, path, suffixes):
        """The names a path search over the library paths finds `path` under (`numpy/core/x.py`: `numpy.core.x`)."""
        if os.path.normpath(path) != path:
            return ()
        names = []
        for root in self.roots:
            relative = path[len(root) :] if path.startswith(root) else ""
            suffix = next((suffix for suffix in suffixes if relative.endswith(suffix)), None)
            if suffix is None:
                continue
            parts = relative[: -len(suffix)].split("/")
            if parts[-1] == "__init__" and len(parts) > 1:
                parts.pop()
            if all(part and "." not in part for part in parts):  # `python3.11/x.py` is no module of root `/usr/lib`
                names.append(".".join(parts))
        return names

    def requested(self, frame, name):
        """For an import statement's load, the spec is for the module asked for, not another."""
        caller = frame.f_back
        while caller is not None and self.is_loading(caller):
            caller = caller.f_back
        if caller is None or caller.f_code is not self.find_and_load:
            return True  # a reload, or a library loading a spec of its own
        asked = caller.f_locals.get("name")
        return type(asked) is str and asked == name

    def intact(self, owner):
        """`owner` and the classes it inherits from are as the snapshot took them."""
        for known, state in self.classes:
            if known is owner:
                now = class_state(owner)
                return len(now) == len(state) and all(a is b for a, b in zip(now, state))
        return False


def file_finder_loaders(hook):
    """The (loader type, suffixes) pairs of a `FileFinder.path_hook(...)` hook; none for other hooks."""
    if getattr(hook, "__qualname__", "") != "FileFinder.path_hook.<locals>.path_hook_for_FileFinder":
        return []
    for cell in hook.__closure__ or ():
        details = cell.cell_contents
        if type(details) is tuple and all(type(pair) is tuple and len(pair) == 2 for pair in details):
            return [(loader, tuple(suffixes)) for loader, suffixes in details if isinstance(loader, type)]
    return []


def plain_state(instance):
    """An instance's attributes, when every name is a plain str (no user `__eq__` runs on lookup)."""
    state = vars(instance)
    return state if all(type(key) is str for key in state) else None


def class_state(owner):
    """What a class is made of, as objects to compare by identity: its MRO, then every attribute
    of each class in it, with the code object of each function (a swapped `__code__` shows)."""
    state = [owner.__mro__]
    for cls in owner.__mro__:
        if cls is object:
            continue
        for key, value in vars(cls).items():
            function = value.__func__ if type(value) in (staticmethod, classmethod) else value
            function = function.fget if type(function) is property else function
            state += (key, value, function.__code__ if type(function) is type(class_state) else None)
    return state


def code_position(frame, sources):
    """(line, column, text, filename) of the innermost frame of the submitted sources (a dict
    of filename to source): where the refused call is. (0, 0, "", None) when none is running."""
    while frame is not None and frame.f_code.co_filename not in sources:
        frame = frame.f_back
    if frame is None:
        return 0, 0, "", None
    filename = frame.f_code.co_filename
    line = frame.f_lineno or 0
    lines = sources[filename].splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = 1
    try:
        positions = list(frame.f_code.co_positions())
        start_line, end_line, start, end = positions[frame.f_lasti // 2]
        if start_line == line and start is not None:
            encoded = text.encode("utf-8")
            stop = end if end_line == line and end is not None else len(encoded)
            column = len(encoded[:start].decode("utf-8", "replace")) + 1
            text = encoded[start:stop].decode("utf-8", "replace")
    except (IndexError, ValueError, TypeError):
        text = text.strip()
    return line, column, text[:80], filename
