// The host side's access to the Docker Engine API (dockerode), with the few helpers every module uses.
import { statfs } from 'node:fs/promises';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { HelixError } from '../lib/errors.js';

export type Engine = Docker;

export function connectEngine(): Engine {
  return new Docker();
}

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The answer, or undefined where the Engine says the object does not exist. */
async function unlessMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

export function containerInfo(engine: Engine, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  return unlessMissing(engine.getContainer(name).inspect());
}

export async function imageExists(engine: Engine, ref: string): Promise<boolean> {
  return (await unlessMissing(engine.getImage(ref).inspect())) !== undefined;
}

export async function ensureNetwork(engine: Engine, name: string): Promise<boolean> {
  const existing = await engine.listNetworks({ filters: { name: [name] } });
  if (existing.some((n) => n.Name === name)) return false;
  await engine.createNetwork({ Name: name, Driver: 'bridge', Labels: { 'helix.managed': 'true' } });
  return true;
}

export async function ensureVolume(engine: Engine, name: string): Promise<boolean> {
  if (await unlessMissing(engine.getVolume(name).inspect())) return false;
  await engine.createVolume({ Name: name, Labels: { 'helix.managed': 'true' } });
  return true;
}

/**
 * Bytes of the engine's data-root filesystem (where volumes live) reserved for another user: free to
 * the kernel, not to us (statfs free less available). 0 when it cannot be told (a remote engine).
 */
export async function reservedBytes(engine: Engine): Promise<number> {
  try {
    const root = ((await engine.info()) as { DockerRootDir?: string }).DockerRootDir;
    if (!root) return 0;
    const st = await statfs(root);
    return Math.max(0, (st.bfree - st.bavail) * st.bsize);
  } catch {
    return 0;
  }
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in a container and collects its output. `onStderr` sees stderr as it arrives. */
export async function execIn(
  engine: Engine,
  container: string,
  cmd: string[],
  o: { env?: string[]; onStderr?: (chunk: string) => void } = {},
): Promise<ExecResult> {
  const exec = await engine.getContainer(container).exec({ Cmd: cmd, Env: o.env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[], tap?: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _e, done) {
        into.push(chunk);
        tap?.(chunk.toString());
        done();
      },
    });
  engine.modem.demuxStream(stream, sink(out), sink(err, o.onStderr));
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** The text of a non-TTY container's log or attach stream (8-byte frame headers removed). */
export function demuxBuffer(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString();
}

/** Turns an Engine API failure into one line naming what was being done. */
export function engineError(what: string, err: unknown): HelixError {
  const msg = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
  return new HelixError('COMMAND_FAILED', `${what}: ${msg}`, undefined, { cause: err });
}
