# A FUSE file system for tests (hanging-fs.ts mounts it): it mirrors a backing folder, and on command
# stops answering chosen operations, as a network share that went away does. The kernel then keeps the
# caller waiting inside the system call, exactly as with a dead NFS or SMB mount.
#
#   hanging-fs.py BACKING CONTROL MOUNTPOINT -f
#
# CONTROL is a file of words, read at each operation: an operation's name (getattr, mkdir, create,
# write, fsync, link, rename, unlink, readdir, read, statfs, ...) or "all" makes it wait until the word
# is gone; "slow:MS" delays every operation by MS milliseconds. Each operation that starts waiting is
# appended to CONTROL.log as "OP PATH".
import errno
import os
import sys
import threading
import time

import fuse
from fuse import Fuse

fuse.fuse_python_api = (0, 2)

BACKING = sys.argv.pop(1)
CONTROL = sys.argv.pop(1)
LOG = CONTROL + '.log'
log_lock = threading.Lock()


def words():
    try:
        with open(CONTROL) as f:
            return set(f.read().split())
    except OSError:
        return set()


def gate(op, path):
    logged = False
    while True:
        spec = words()
        for word in spec:
            if word.startswith('slow:'):
                time.sleep(int(word[5:]) / 1000.0)
        if 'all' not in spec and op not in spec:
            return
        if not logged:
            logged = True
            with log_lock, open(LOG, 'a') as f:
                f.write('%s %s\n' % (op, path))
        time.sleep(0.05)


def real(path):
    return os.path.join(BACKING, path.lstrip('/'))


class Handle(object):
    def __init__(self, fd):
        self.fd = fd


class HangingFs(Fuse):
    def getattr(self, path):
        gate('getattr', path)
        return os.lstat(real(path))

    def readdir(self, path, offset):
        gate('readdir', path)
        for e in ['.', '..'] + os.listdir(real(path)):
            yield fuse.Direntry(e)

    def mkdir(self, path, mode):
        gate('mkdir', path)
        os.mkdir(real(path), mode)

    def rmdir(self, path):
        gate('rmdir', path)
        os.rmdir(real(path))

    def unlink(self, path):
        gate('unlink', path)
        os.unlink(real(path))

    def rename(self, a, b):
        gate('rename', b)
        os.rename(real(a), real(b))

    def link(self, a, b):
        gate('link', b)
        os.link(real(a), real(b))

    def chmod(self, path, mode):
        gate('chmod', path)
        os.chmod(real(path), mode)

    def truncate(self, path, size):
        gate('truncate', path)
        os.truncate(real(path), size)

    def utimens(self, path, a, m):
        gate('utimens', path)
        os.utime(real(path), ns=(a.tv_sec * 10**9 + a.tv_nsec, m.tv_sec * 10**9 + m.tv_nsec))

    def access(self, path, mode):
        gate('access', path)
        if not os.access(real(path), mode):
            return -errno.EACCES

    def statfs(self):
        gate('statfs', '/')
        return os.statvfs(BACKING)

    def open(self, path, flags):
        gate('open', path)
        return Handle(os.open(real(path), flags))

    def create(self, path, flags, mode):
        gate('create', path)
        return Handle(os.open(real(path), flags | os.O_CREAT, mode))

    def read(self, path, size, offset, fh):
        gate('read', path)
        return os.pread(fh.fd, size, offset)

    def write(self, path, buf, offset, fh):
        gate('write', path)
        return os.pwrite(fh.fd, buf, offset)

    def fsync(self, path, datasync, fh):
        gate('fsync', path)
        os.fsync(fh.fd)

    def flush(self, path, fh):
        gate('flush', path)

    def release(self, path, flags, fh):
        os.close(fh.fd)

    def fgetattr(self, path, fh):
        gate('getattr', path)
        return os.fstat(fh.fd)

    def ftruncate(self, path, size, fh):
        gate('truncate', path)
        os.ftruncate(fh.fd, size)


server = HangingFs(usage='hanging-fs.py BACKING CONTROL MOUNTPOINT -f')
server.multithreaded = True
server.parse(errex=1)
server.main()
