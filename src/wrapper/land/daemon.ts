// What the smart path asks of the local daemon: an image's id, a pull by digest, a push, a tag and
// an untag. A local unix socket is asked directly through the Engine API: each docker CLI call costs
// about 100 ms of process start, and a changed image needs four of them in a row. Any other endpoint
// (tcp, ssh, TLS, a named context) is asked through the docker CLI, which knows how to reach it.
// dockerode is not used here: loading it costs about 200 ms, on every build.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from '../../lib/http-request.js';
import { lineSplitter } from '../../lib/line-splitter.js';
import { runChild } from '../child.js';
import { pullEventsOfText } from './pull-output.js';
import { HelixError } from '../../lib/errors.js';
import { registryOf, splitForApi } from '../../lib/reference.js';

export interface PullEvent {
  id?: string;
  status?: string;
  /** When the daemon said it (ms since the epoch), where the pull's progress was read as it came. */
  at?: number;
}

export interface Daemon {
  /** The local image id of a reference, or undefined if the daemon has no such image. */
  imageId(ref: string): Promise<string | undefined>;
  /**
   * Pulls a reference; returns the layer progress events. Throws with the daemon's message on failure.
   * `token`: a registry token for it, fetched ahead.
   */
  pull(ref: string, token?: string): Promise<PullEvent[]>;
  tag(image: string, target: string): Promise<void>;
  /** Pushes a tagged reference; returns the manifest digest the registry now has it under. */
  push(ref: string): Promise<string>;
  /** Removes a name, best effort; the image stays while other names refer to it. */
  untag(ref: string): Promise<void>;
  /** The image's digests in registries it was pushed to or pulled from ("repo@sha256:…"). */
  repoDigests(ref: string): Promise<string[]>;
  /**
   * Imports an empty image without a name and returns its id: somewhere to move a name to, so that
   * the image it named is left without a name but not deleted. Removing that name removes it.
   */
  importEmpty(): Promise<string>;
}


/** The digest in a push's closing line, "<tag>: digest: sha256:… size: N". */
function pushedDigest(text: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(text)?.[1];
}


/** A local image id as the engine prints it. */
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** The new image's id in an import's answer: the last line's status, when no line is an error. Pure. */
export function importedId(body: string): string | undefined {
  const lines = body.split('\n').filter((l) => l.trim());
  try {
    const events = lines.map((l) => JSON.parse(l) as { status?: unknown; error?: unknown; errorDetail?: unknown });
    if (events.some((e) => e.error !== undefined || e.errorDetail !== undefined)) return undefined;
    const status = events.at(-1)?.status;
    return typeof status === 'string' && IMAGE_ID.test(status) ? status : undefined;
  } catch {
    return undefined;
  }
}

/** A tar archive of nothing: its end-of-archive blocks only. */
const EMPTY_TAR = Buffer.alloc(1024);

interface Reply {
  status: number;
  body: string;
}

export class EngineApi implements Daemon {
  /**
   * `registryAuth`: the X-Registry-Auth for a registry host (the shared registry or the facade, whose
   * images are all this pulls and pushes). It names the host: the containerd image store sends a
   * login only to the host it names.
   */
  constructor(
    readonly socket: string,
    readonly registryAuth: (host: string, token?: string) => string,
  ) {}

  /** `onLine`: each whole line of the body as it comes, for a streamed answer (a pull's progress). */
  private call(method: string, path: string, headers: Record<string, string> = {}, onLine?: (line: string) => void, body?: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, method, path, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
        const chunks: string[] = [];
        const lines = onLine ? lineSplitter(onLine) : undefined;
        res.setEncoding('utf8'); // a character split between chunks stays whole
        res.on('data', (c: string) => {
          chunks.push(c);
          lines?.push(c);
        });
        res.on('end', () => {
          lines?.end();
          resolve({ status: res.statusCode ?? 0, body: chunks.join('') });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private fail(what: string, r: Reply): never {
    let message = r.body.trim();
    try {
      message = (JSON.parse(r.body) as { message?: string }).message ?? message;
    } catch {
      // not JSON: the body as it is
    }
    throw new HelixError('COMMAND_FAILED', `${what}: ${message || `HTTP ${r.status}`}`);
  }

  async imageId(ref: string): Promise<string | undefined> {
    const r = await this.call('GET', `/images/${ref}/json`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) this.fail(`inspecting ${ref}`, r);
    return (JSON.parse(r.body) as { Id: string }).Id;
  }

  async repoDigests(ref: string): Promise<string[]> {
    const r = await this.call('GET', `/images/${ref}/json`);
    if (r.status !== 200) this.fail(`inspecting ${ref}`, r);
    return (JSON.parse(r.body) as { RepoDigests?: string[] }).RepoDigests ?? [];
  }

  async importEmpty(): Promise<string> {
    const r = await this.call('POST', '/images/create?fromSrc=-', { 'Content-Type': 'application/x-tar' }, undefined, EMPTY_TAR);
    const id = r.status === 200 ? importedId(r.body) : undefined;
    if (!id) this.fail('docker import of an empty image failed', r);
    return id;
  }

  async pull(ref: string, token?: string): Promise<PullEvent[]> {
    const [repo, tag] = splitForApi(ref);
    // Each event timed as it comes: how long the download took, apart from the extraction after it.
    const events: PullEvent[] = [];
    let failure: string | undefined;
    const r = await this.call('POST', `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`, { 'X-Registry-Auth': this.registryAuth(registryOf(repo), token) }, (line) => {
      if (!line.trim() || failure) return;
      try {
        const e = JSON.parse(line) as PullEvent & { error?: string; errorDetail?: { message?: string } };
        // The daemon answers 200 and reports a failed pull inside the stream.
        if (e.error || e.errorDetail) failure = e.errorDetail?.message ?? e.error;
        else events.push({ id: e.id, status: e.status, at: Date.now() });
      } catch {
        failure = `unreadable progress: ${line.slice(0, 200)}`;
      }
    });
    if (r.status !== 200) this.fail(`docker pull ${ref} failed`, r);
    if (failure) throw new HelixError('COMMAND_FAILED', `docker pull ${ref} failed: ${failure}`);
    return events;
  }

  async push(ref: string): Promise<string> {
    const [repo, tag] = splitForApi(ref);
    const r = await this.call('POST', `/images/${encodeURIComponent(repo)}/push?tag=${encodeURIComponent(tag)}`, { 'X-Registry-Auth': this.registryAuth(registryOf(repo)) });
    if (r.status !== 200) this.fail(`docker push ${ref} failed`, r);
    let digest: string | undefined;
    for (const line of r.body.split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as { status?: string; error?: string; errorDetail?: { message?: string }; aux?: { Digest?: string } };
      if (e.error || e.errorDetail) throw new HelixError('COMMAND_FAILED', `docker push ${ref} failed: ${e.errorDetail?.message ?? e.error}`);
      // The classic store sends the digest as aux data too; the containerd store only in this line.
      digest = e.aux?.Digest ?? pushedDigest(e.status ?? '') ?? digest;
    }
    if (!digest) throw new HelixError('COMMAND_FAILED', `docker push ${ref} reported no digest`);
    return digest;
  }

  async tag(image: string, target: string): Promise<void> {
    const [repo, tag] = splitForApi(target);
    const r = await this.call('POST', `/images/${image}/tag?repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`);
    if (r.status !== 201 && r.status !== 200) this.fail(`docker tag ${image} ${target} failed`, r);
  }

  async untag(ref: string): Promise<void> {
    await this.call('DELETE', `/images/${ref}`);
  }
}

export class DockerCli implements Daemon {
  constructor(
    readonly realDocker: string,
    readonly globals: readonly string[],
  ) {}

  private run(args: string[], stderr: 'ignore' | 'capture' = 'ignore') {
    return runChild(this.realDocker, [...this.globals, ...args], { stdout: 'capture', stderr, stdin: 'ignore' });
  }

  async imageId(ref: string): Promise<string | undefined> {
    const r = await this.run(['image', 'inspect', '--format', '{{.Id}}', ref]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  async repoDigests(ref: string): Promise<string[]> {
    const r = await this.run(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
    if (r.code !== 0) throw new HelixError('COMMAND_FAILED', `inspecting ${ref} failed`);
    return (JSON.parse(r.stdout) as string[] | null) ?? [];
  }

  async importEmpty(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'helix-empty-'));
    try {
      await writeFile(join(dir, 'empty.tar'), EMPTY_TAR);
      const r = await this.run(['image', 'import', join(dir, 'empty.tar')]);
      const id = r.stdout.trim();
      if (r.code !== 0 || !IMAGE_ID.test(id)) throw new HelixError('COMMAND_FAILED', 'docker import of an empty image failed');
      return id;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async pull(ref: string): Promise<PullEvent[]> {
    const r = await this.run(['pull', ref], 'capture');
    if (r.code !== 0) throw new HelixError('COMMAND_FAILED', `docker pull ${ref} failed: ${(r.stderr ?? '').trim().split('\n').pop()}`);
    return pullEventsOfText(r.stdout);
  }

  async push(ref: string): Promise<string> {
    const r = await this.run(['push', ref], 'capture');
    if (r.code !== 0) throw new HelixError('COMMAND_FAILED', `docker push ${ref} failed: ${(r.stderr ?? '').trim().split('\n').pop()}`);
    const digest = pushedDigest(r.stdout);
    if (!digest) throw new HelixError('COMMAND_FAILED', `docker push ${ref} reported no digest`);
    return digest;
  }

  async tag(image: string, target: string): Promise<void> {
    if ((await this.run(['tag', image, target])).code !== 0) throw new HelixError('COMMAND_FAILED', `docker tag ${image} ${target} failed`);
  }

  async untag(ref: string): Promise<void> {
    await this.run(['image', 'rm', ref]);
  }
}
