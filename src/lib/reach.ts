// Can this container use the shared services? Asked by init when it registers the builder, by
// `helix-init doctor`, and by the wrapper before every build it takes. An open port is not always
// enough: a BuildKit that requires mutual TLS accepts a connection from a container without a client
// certificate and then refuses every call, which buildx reports only after its 20 s deadline.
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { DEFAULTS, type ToolkitConfig } from './config.js';
import { CREDENTIAL_FILES } from './session-contract.js';

/** host and port from "tcp://host:port" or "host:port". Pure. */
export function hostPort(endpoint: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^(?:tcp:\/\/)?([^:/]+)(?::(\d+))?\/?$/.exec(endpoint);
  if (!m) return undefined;
  return { host: m[1] as string, port: m[2] ? Number(m[2]) : defaultPort };
}

export function canConnect(endpoint: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  const hp = hostPort(endpoint, defaultPort);
  if (!hp) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = netConnect({ host: hp.host, port: hp.port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export type BuildkitAddress = { host: string; port: number } | { path: string };

/** Where BuildKit listens, for a direct check: tcp://host:port or unix://path; else undefined. Pure. */
export function directAddress(host: string): BuildkitAddress | undefined {
  const tcp = /^tcp:\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(host);
  if (tcp) return { host: (tcp[1] as string).replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  const unix = /^unix:\/\/(\/.+)$/.exec(host);
  return unix ? { path: unix[1] as string } : undefined;
}

export interface ClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * BuildKit answers when its HTTP/2 (gRPC) server sends its settings: more than an open port. Without
 * `tls` the probe speaks plaintext, which a BuildKit requiring TLS never answers.
 */
export async function grpcAnswers(addr: BuildkitAddress, tls: ClientTls | undefined, timeoutMs: number): Promise<boolean> {
  // Loaded only when asked: the wrapper asks before a build only where it has no certificate, and
  // these two modules cost it 10-25 ms to load.
  const [{ connect: h2connect }, { connect: tlsConnect }] = await Promise.all([import('node:http2'), import('node:tls')]);
  return new Promise((resolve) => {
    const session = h2connect(tls ? 'https://buildkit' : 'http://buildkit', {
      createConnection: () =>
        'path' in addr
          ? netConnect(addr.path)
          : tls
            ? tlsConnect({ host: addr.host, port: addr.port, servername: addr.host, ALPNProtocols: ['h2'], ...tls })
            : netConnect(addr.port, addr.host),
    });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    session.once('remoteSettings', () => done(true));
    session.once('error', () => done(false));
    session.once('close', () => done(false));
  });
}

/**
 * When this container's client certificate (issued with its registry login, for as long) stopped
 * being valid, or undefined while it is valid or there is none.
 */
export function credentialsExpiredAt(cfg: ToolkitConfig, now = Date.now()): string | undefined {
  try {
    const validTo = new X509Certificate(readFileSync(join(cfg.credentialsDir, CREDENTIAL_FILES.cert))).validTo;
    return Date.parse(validTo) <= now ? new Date(validTo).toISOString() : undefined;
  } catch {
    return undefined;
  }
}

/** Whether this process can read a client certificate (the desktop user reads it through the docker group). */
export function hasClientCertificate(cfg: ToolkitConfig): boolean {
  try {
    accessSync(join(cfg.credentialsDir, CREDENTIAL_FILES.key), constants.R_OK);
    accessSync(join(cfg.credentialsDir, CREDENTIAL_FILES.cert), constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** What a desktop without usable credentials is told to do: the host issues them. */
export const CREDENTIALS_FIX = 'on the sandbox host, `helix credentials issue ID --project P` prints the arguments to start this desktop with (`helix session start` does it all)';

export type BuildkitAccess =
  | { ok: true }
  | { ok: false; kind: 'unreachable' | 'expired' | 'no-certificate' | 'refused'; problem: string; fix: string };

/**
 * Whether builds can use the shared BuildKit, and if not why: expired credentials, none where BuildKit
 * requires them, or no answer. `verifyTls` also completes a TLS handshake with the certificate (init,
 * doctor); the wrapper, before every build, only opens the port then (a few milliseconds).
 */
export async function buildkitAccess(cfg: ToolkitConfig, verifyTls: boolean, timeoutMs = 1500): Promise<BuildkitAccess> {
  const expired = credentialsExpiredAt(cfg);
  if (expired) return { ok: false, kind: 'expired', problem: `refuses this container's credentials, which expired at ${expired}`, fix: `restart the desktop with new ones: ${CREDENTIALS_FIX}` };
  const unreachable = { ok: false, kind: 'unreachable', problem: 'is unreachable', fix: 'check that the shared BuildKit runs and that this desktop is on its network' } as const;
  const addr = directAddress(cfg.buildkitHost);
  if (hasClientCertificate(cfg)) {
    if (!verifyTls || !addr) return (await canConnect(cfg.buildkitHost, DEFAULTS.buildkitPort, timeoutMs)) ? { ok: true } : unreachable;
    const read = (f: string) => readFileSync(join(cfg.credentialsDir, f));
    const tls = { ca: read(CREDENTIAL_FILES.ca), cert: read(CREDENTIAL_FILES.cert), key: read(CREDENTIAL_FILES.key) };
    if (await grpcAnswers(addr, tls, timeoutMs)) return { ok: true };
    if (!(await canConnect(cfg.buildkitHost, DEFAULTS.buildkitPort, timeoutMs))) return unreachable;
    return { ok: false, kind: 'refused', problem: `refuses this container's certificate (${join(cfg.credentialsDir, CREDENTIAL_FILES.cert)})`, fix: `the sandbox's CA may have changed: ${CREDENTIALS_FIX}` };
  }
  // No certificate: BuildKit without TLS answers a plaintext call; one that requires TLS never does.
  if (addr && (await grpcAnswers(addr, undefined, timeoutMs))) return { ok: true };
  if (!(await canConnect(cfg.buildkitHost, DEFAULTS.buildkitPort, timeoutMs))) return unreachable;
  return { ok: false, kind: 'no-certificate', problem: `requires a client certificate, and this container has none (none in ${cfg.credentialsDir} that this user can read)`, fix: CREDENTIALS_FIX };
}
