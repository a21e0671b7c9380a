// The registry credentials of sessions: the host writes one file per client (its project, a hash of
// its password, until when it is valid) when it starts the session and removes it with the session;
// the token server reads them. A password is 32 random bytes, so a plain SHA-256 is enough.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';

export interface ClientRecord {
  project: string;
  sha256: string;
  /** ISO time after which the credential is refused. */
  notAfter: string;
}

export interface Credential {
  username: string;
  password: string;
}

const CLIENT = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

const digest = (password: string) => createHash('sha256').update(password).digest();

/** Issues a credential for a client of a project, valid for `hours`. */
export async function issueCredential(dir: string, client: string, project: string, hours: number, now = Date.now()): Promise<Credential> {
  if (!CLIENT.test(client)) throw new Error(`invalid registry client name ${JSON.stringify(client)}`);
  const password = randomBytes(32).toString('base64url');
  const rec: ClientRecord = { project, sha256: digest(password).toString('hex'), notAfter: new Date(now + hours * 3_600_000).toISOString() };
  await writeFileAtomic(join(dir, `${client}.json`), JSON.stringify(rec), 0o600);
  return { username: client, password };
}

export async function revokeCredential(dir: string, client: string): Promise<void> {
  if (CLIENT.test(client)) await rm(join(dir, `${client}.json`), { force: true });
}

/** The project of a valid username and password, or undefined. */
export async function verifyCredential(dir: string, username: string, password: string, now = Date.now()): Promise<string | undefined> {
  if (!CLIENT.test(username)) return undefined;
  let rec: ClientRecord;
  try {
    rec = JSON.parse(await readFile(join(dir, `${username}.json`), 'utf8')) as ClientRecord;
  } catch {
    return undefined;
  }
  const want = Buffer.from(rec.sha256 ?? '', 'hex');
  const got = digest(password);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  if (!(Date.parse(rec.notAfter) > now)) return undefined;
  return typeof rec.project === 'string' ? rec.project : undefined;
}
