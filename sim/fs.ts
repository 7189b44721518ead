import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Why a file-system call failed, in words a user can act on (from the errno code; else the message). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on the device',
    EISDIR: 'it is a directory', ENOTDIR: 'a part of the path is a file, not a directory', ENOENT: 'no such file or directory',
    EEXIST: 'a file is in the way', ENAMETOOLONG: 'the name is too long', EDQUOT: 'disk quota exceeded', ELOOP: 'too many symbolic links',
  };
  return (code !== undefined && why[code] !== undefined) ? why[code] : (e as Error).message;
}

/**
 * The first component of `p` (p itself, or one of its parents) that is a
 * symbolic link to something that does not exist, with its target; undefined
 * when there is none. A folder cannot be created through such a link.
 */
export function danglingLink(p: string): { link: string; target: string } | undefined {
  for (let cur = resolve(p); !existsSync(cur); cur = dirname(cur)) {
    try {
      if (lstatSync(cur).isSymbolicLink()) return { link: cur, target: readlinkSync(cur) };
    } catch {
      /* not there at all: look further up */
    }
    if (dirname(cur) === cur) break;
  }
  return undefined;
}

/**
 * Why nothing can be created in the existing folder `dir`, or undefined when
 * something can: a probe folder is created and removed. access(W_OK) is not
 * enough: root passes it on file systems that refuse new entries (/proc),
 * where Node's recursive mkdir never returns.
 */
export function cannotCreateIn(dir: string): string | undefined {
  try {
    rmdirSync(mkdtempSync(join(dir, '.tcast-probe-')));
    return undefined;
  } catch (e) {
    // ENOENT for a folder that exists: a pseudo file system (/proc, /sys) that holds no new entries.
    return (e as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(dir) ? 'the file system takes no new entries there' : fsReason(e);
  }
}

/**
 * `mkdir -p` that always returns: creates the missing folders of `dir` one at
 * a time and throws the file system's own error (Node's recursive mkdir loops
 * forever on a path under /proc).
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let cur = resolve(dir); !existsSync(cur); cur = dirname(cur)) {
    missing.unshift(cur);
    if (dirname(cur) === cur) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
}
