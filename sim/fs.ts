/** Why a file-system call failed, in words a user can act on (from the errno code; else the message). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on the device',
    EISDIR: 'it is a directory', ENOTDIR: 'a part of the path is a file, not a directory', ENOENT: 'no such directory',
    EEXIST: 'a file is in the way', ENAMETOOLONG: 'the name is too long', EDQUOT: 'disk quota exceeded', ELOOP: 'too many symbolic links',
  };
  return (code !== undefined && why[code] !== undefined) ? why[code] : (e as Error).message;
}
