// The sandbox's certificates, made with openssl: one CA per host (`helix up` creates it), BuildKit's
// server certificates, a client certificate for each session and run (valid no longer than it may
// live), and the self-signed key the registry's tokens are signed with. Keys are EC P-256, 0600.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HelixError } from '../lib/errors.js';
import { run } from '../lib/exec.js';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface LeafSpec {
  cn: string;
  dns: string[];
  usage: 'serverAuth' | 'clientAuth';
  days: number;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function openssl(args: string[]): Promise<void> {
  const r = await run('openssl', args);
  if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `openssl ${args[0]} failed: ${r.stderr.trim().split('\n').pop()}`);
}

/** Files made in a fresh directory and renamed into place, key first: a crash leaves no half pair. */
async function intoPlace(dir: string, pair: KeyPair, make: (tmp: KeyPair) => Promise<void>): Promise<KeyPair> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(dir, '.new-'));
  try {
    const tmp = { cert: join(work, 'cert.pem'), key: join(work, 'key.pem') };
    await make(tmp);
    await chmod(tmp.key, 0o600);
    await chmod(tmp.cert, 0o644);
    await rename(tmp.key, pair.key);
    await rename(tmp.cert, pair.cert);
    return pair;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(pair: KeyPair): Promise<boolean> {
  return Promise.all([readFile(pair.cert), readFile(pair.key)]).then(() => true, () => false);
}

/** A self-signed pair, made once: the CA (`ca: true`) or the token signing key. */
export async function ensureSelfSigned(dir: string, name: string, cn: string, ca: boolean): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  if (await exists(pair)) return pair;
  const usage = ca ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : ['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature'];
  return intoPlace(dir, pair, (t) => openssl(['req', '-x509', ...EC, '-keyout', t.key, '-out', t.cert, '-days', '3650', '-subj', `/CN=${cn}`, ...usage]));
}

/** A certificate signed by the CA, written as `<name>.pem` and `<name>.key` in dir; `keep`: one already there stays. */
export async function issueLeaf(ca: KeyPair, dir: string, name: string, spec: LeafSpec, keep = false): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  if (keep && (await exists(pair))) return pair;
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    `extendedKeyUsage=${spec.usage}`,
    `subjectAltName=${spec.dns.map((d) => `DNS:${d}`).join(',')}`,
    '',
  ].join('\n');
  return intoPlace(dir, pair, async (t) => {
    const csr = `${t.cert}.csr`;
    const extfile = `${t.cert}.ext`;
    await writeFile(extfile, ext);
    await openssl(['req', '-new', ...EC, '-keyout', t.key, '-out', csr, '-subj', `/CN=${spec.cn}`]);
    const days = String(Math.max(1, Math.ceil(spec.days)));
    await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', days, '-extfile', extfile, '-out', t.cert]);
  });
}
