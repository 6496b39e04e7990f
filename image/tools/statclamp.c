/*
 * statclamp.c: an LD_PRELOAD shim for `mke2fs -d DIR` that reports every file's access and
 * change times as its modification time.
 *
 * mke2fs (e2fsprogs 1.47.0, Debian 12) copies atime and ctime from lstat() into each inode.
 * Unpacking the root file system sets those to the moment of unpacking, which would make every
 * build of the image differ. mtime is already fixed (the tarball's, clamped to
 * SOURCE_DATE_EPOCH), so copying it to the other two makes the file system reproducible.
 * Only mke2fs is run with this library (image/mkimage.sh).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>

typedef int (*statclamp_path_fn)(const char *, struct stat64 *);
typedef int (*statclamp_fd_fn)(int, struct stat64 *);
typedef int (*statclamp_at_fn)(int, const char *, struct stat64 *, int);

/* Gives a successfully filled stat the modification time as access and change time. */
static int statclamp_fix(int ret, struct stat64 *st)
{
  if (ret == 0) {
    st->st_atim = st->st_mtim;
    st->st_ctim = st->st_mtim;
  }
  return ret;
}

int lstat64(const char *path, struct stat64 *st)
{
  statclamp_path_fn real = (statclamp_path_fn)dlsym(RTLD_NEXT, "lstat64");
  return statclamp_fix(real ? real(path, st) : -1, st);
}

int stat64(const char *path, struct stat64 *st)
{
  statclamp_path_fn real = (statclamp_path_fn)dlsym(RTLD_NEXT, "stat64");
  return statclamp_fix(real ? real(path, st) : -1, st);
}

int fstat64(int fd, struct stat64 *st)
{
  statclamp_fd_fn real = (statclamp_fd_fn)dlsym(RTLD_NEXT, "fstat64");
  return statclamp_fix(real ? real(fd, st) : -1, st);
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
  statclamp_at_fn real = (statclamp_at_fn)dlsym(RTLD_NEXT, "fstatat64");
  return statclamp_fix(real ? real(dirfd, path, st, flags) : -1, st);
}

/* On x86-64 struct stat is struct stat64; `stat` and friends are separate symbols in glibc. */
int lstat(const char *path, struct stat *st) { return lstat64(path, (struct stat64 *)st); }
int stat(const char *path, struct stat *st) { return stat64(path, (struct stat64 *)st); }
int fstat(int fd, struct stat *st) { return fstat64(fd, (struct stat64 *)st); }
