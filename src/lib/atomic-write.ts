// Files the toolkit writes (daemon.json, /etc/environment, profile scripts) are replaced atomically:
// a reader sees the old or the new content, never half of it, and a crash leaves the old file.
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

export async function writeFileAtomic(path: string, content: string, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const existingMode = await stat(path).then((s) => s.mode & 0o7777, () => undefined);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, content, { mode: mode ?? existingMode ?? 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes the file only when its content differs (a file a container mounts is not replaced for nothing); true if written. */
export async function writeFileIfChanged(path: string, content: string): Promise<boolean> {
  if ((await readIfExists(path)) === content) return false;
  await writeFileAtomic(path, content);
  return true;
}

/** Reads a file, or undefined if it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
