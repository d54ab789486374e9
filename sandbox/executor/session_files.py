"""A session's files, as its supervisor reads and writes them for the api (sandbox/SESSIONS.md).

The session's code owns its home and can put anything there: symlinks (to /etc/passwd, to
/proc/self/... which would be the supervisor's own), FIFOs, directories in place of files, and
it can swap them while the supervisor works. So every path is opened one part at a time from a
directory descriptor with O_NOFOLLOW, the home itself from a descriptor taken when the session
started, files with O_NONBLOCK (a FIFO never blocks), and only regular files are read or written.
"""

import base64
import errno
import os
import re
import stat

PART = re.compile(r"[A-Za-z0-9._-]{1,128}")
MAX_PARTS, MAX_PATH = 8, 512
MAX_LISTED = 1000
MAX_SCANNED = 20000  # entries looked at by list_files at most (a tmpfs holds 16384 inodes)
DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class FileError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code

    def answer(self):
        return {"ok": False, "code": self.code, "error": str(self)}


def parts_of(path):
    """The parts of a relative, /-separated path, each [A-Za-z0-9._-]{1,128}, not . or ..."""
    if not isinstance(path, str) or not 0 < len(path) <= MAX_PATH:
        raise FileError("invalid_path", f"path: expected 1 to {MAX_PATH} characters")
    parts = path.split("/")
    if len(parts) > MAX_PARTS or any(not PART.fullmatch(p) or p in (".", "..") for p in parts):
        raise FileError("invalid_path", f"path: expected at most {MAX_PARTS} parts of [A-Za-z0-9._-], none . or .., separated by /")
    return parts


def error_of(error, path):
    """The contract's code for an OSError met while opening, reading or writing `path`. Any
    other error (fallback mode: permissions the code took away; a running executable) is a file
    the supervisor cannot use: `not_a_file`, with the system's reason."""
    codes = {
        errno.ENOENT: "not_found",
        errno.ELOOP: "not_a_file",  # a symlink, refused by O_NOFOLLOW
        errno.ENOTDIR: "not_a_file",  # a part that should be a directory is not (or is a symlink)
        errno.EISDIR: "not_a_file",
        errno.ENXIO: "not_a_file",  # a FIFO without a reader, a socket
        errno.ENOSPC: "no_space",
        errno.EDQUOT: "no_space",
        errno.EFBIG: "too_large",
    }
    reason = os.strerror(error.errno) if error.errno else str(error)
    return FileError(codes.get(error.errno, "not_a_file"), f"{path}: {reason}")


def open_parent(home_fd, parts, path, create):
    """A descriptor of the directory holding the last part, each part opened without following."""
    fd = os.dup(home_fd)
    try:
        for part in parts[:-1]:
            if create:
                try:
                    os.mkdir(part, 0o700, dir_fd=fd)
                except FileExistsError:
                    pass
            child = os.open(part, DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        return fd
    except OSError as error:
        os.close(fd)
        raise error_of(error, path) from None


def open_regular(home_fd, path, flags, create=False):
    """(directory fd, file fd) of a regular file: the caller closes both."""
    parts = parts_of(path)
    parent = open_parent(home_fd, parts, path, create)
    try:
        fd = os.open(parts[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600, dir_fd=parent)
    except OSError as error:
        os.close(parent)
        raise error_of(error, path) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        os.close(parent)
        raise FileError("not_a_file", f"{path}: not a regular file")
    return parent, fd


def upload(home_fd, path, content_base64, max_bytes):
    if not isinstance(content_base64, str):
        raise FileError("invalid_request", "contentBase64: expected a string")
    if len(content_base64) > (max_bytes + 2) // 3 * 4:
        raise FileError("too_large", f"{path}: over {max_bytes} bytes")
    try:
        data = base64.b64decode(content_base64, validate=True)
    except ValueError:
        raise FileError("invalid_request", "contentBase64: expected base64") from None
    if len(data) > max_bytes:
        raise FileError("too_large", f"{path}: over {max_bytes} bytes")
    parent, fd = open_regular(home_fd, path, os.O_WRONLY | os.O_CREAT, create=True)
    try:
        os.ftruncate(fd, 0)  # only now: the file is known to be regular
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as error:
        try:
            os.unlink(path.split("/")[-1], dir_fd=parent)  # a failed upload leaves no file
        except OSError:
            pass
        raise error_of(error, path) from None
    finally:
        os.close(fd)
        os.close(parent)
    return {"ok": True, "path": path, "size": len(data)}


def download(home_fd, path, max_bytes):
    parent, fd = open_regular(home_fd, path, os.O_RDONLY)
    os.close(parent)
    try:
        if os.fstat(fd).st_size > max_bytes:
            raise FileError("too_large", f"{path}: over {max_bytes} bytes")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise FileError("too_large", f"{path}: over {max_bytes} bytes")  # it grew meanwhile
    except OSError as error:
        raise error_of(error, path) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return {"ok": True, "path": path, "size": len(data), "contentBase64": base64.b64encode(data).decode()}


def list_files(home_fd):
    """Regular files under the home whose paths the contract can name (so each can be
    downloaded), in name order, at most MAX_LISTED; symlinks are neither listed nor followed."""
    files, scanned = [], 0
    pending = [(os.dup(home_fd), "", 1)]
    try:
        while pending and len(files) < MAX_LISTED and scanned < MAX_SCANNED:
            fd, prefix, depth = pending.pop()
            try:
                scanned += scan(fd, prefix, depth, files, pending)
            finally:
                os.close(fd)
    finally:
        for fd, _, _ in pending:
            os.close(fd)
    files.sort(key=lambda f: f["path"])
    return {"ok": True, "files": files[:MAX_LISTED]}


def scan(fd, prefix, depth, files, pending):
    """Adds the regular files of one directory to `files`, its subdirectories to `pending`.
    What cannot be read (gone meanwhile; fallback mode: permissions the code took away) is skipped."""
    try:
        with os.scandir(fd) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return 0
    for entry in entries:
        if not PART.fullmatch(entry.name) or entry.name in (".", ".."):
            continue
        path = prefix + entry.name
        try:
            if entry.is_file(follow_symlinks=False) and len(path) <= MAX_PATH:
                files.append({"path": path, "size": entry.stat(follow_symlinks=False).st_size})
            elif entry.is_dir(follow_symlinks=False) and depth < MAX_PARTS:
                pending.append((os.open(entry.name, DIRECTORY, dir_fd=fd), path + "/", depth + 1))
        except OSError:
            pass
    return len(entries)
