// Files the host reads from a session's directory. The session's root controls that directory: any
// of them may be a symlink to a host file, a FIFO, or a file of any size. They are opened without
// following a symlink, must be regular files, and are read up to a bound.
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HelixError } from '../lib/errors.js';

async function openRegular(path: string) {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new HelixError('BAD_FILE', `${path} is a symlink; the host does not follow links a session made`);
    throw err;
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new HelixError('BAD_FILE', `${path} is not a regular file`);
  }
  return { fh, size: st.size };
}

/** A small file's text, or undefined if it does not exist; a larger one than `maxBytes` is an error. */
export async function readSessionFile(path: string, maxBytes: number): Promise<string | undefined> {
  const f = await openRegular(path);
  if (!f) return undefined;
  try {
    if (f.size > maxBytes) throw new HelixError('BAD_FILE', `${path} is ${f.size} bytes, more than the ${maxBytes} the host reads`);
    return await f.fh.readFile('utf8');
  } finally {
    await f.fh.close();
  }
}

/** Appends at most `maxBytes` of the file to `to`, streamed; returns how many bytes it copied. */
export async function appendSessionFile(path: string, to: string, maxBytes: number): Promise<number> {
  const f = await openRegular(path);
  if (!f) return 0;
  const n = Math.min(f.size, maxBytes);
  if (n === 0) {
    await f.fh.close();
    return 0;
  }
  await mkdir(dirname(to), { recursive: true });
  await pipeline(createReadStream('', { fd: f.fh.fd, start: 0, end: n - 1, autoClose: false }), createWriteStream(to, { flags: 'a' }));
  await f.fh.close();
  return n;
}
