// The registry's token endpoint (the distribution token protocol): GET with HTTP Basic credentials or
// none, as dockerd asks; POST with an OAuth2 password grant, as containerd and BuildKit ask first. A
// wrong password is a 401; no credentials at all is anonymous, which access.ts lets pull the mirror.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { grant, type Identity } from './access.js';
import { verifyCredential } from './clients.js';
import { signToken, type TokenSigner } from './token.js';

export interface TokenService {
  signer: TokenSigner;
  clientsDir: string;
}

const MAX_BODY = 16 * 1024;

class Refused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Refused(413, 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** "Basic base64(user:pass)" → [user, pass]. */
export function basicCredentials(header: string | undefined): [string, string] | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : [text.slice(0, colon), text.slice(colon + 1)];
}

async function identify(svc: TokenService, creds: [string, string] | undefined): Promise<Identity> {
  if (!creds) return { kind: 'anonymous' };
  const project = await verifyCredential(svc.clientsDir, creds[0], creds[1]);
  if (project === undefined) throw new Refused(401, 'invalid registry credentials');
  return { kind: 'project', project, client: creds[0] };
}

async function answer(svc: TokenService, req: IncomingMessage): Promise<Record<string, unknown>> {
  const url = new URL(req.url ?? '/', 'http://token');
  if (url.pathname !== '/token') throw new Refused(404, 'not found');
  let scopes: string[];
  let who: Identity;
  if (req.method === 'GET') {
    scopes = url.searchParams.getAll('scope');
    who = await identify(svc, basicCredentials(req.headers.authorization));
  } else if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    if (form.get('grant_type') !== 'password') throw new Refused(400, 'unsupported grant_type');
    scopes = form.getAll('scope');
    who = await identify(svc, [form.get('username') ?? '', form.get('password') ?? '']);
  } else {
    throw new Refused(405, 'method not allowed');
  }
  const subject = who.kind === 'project' ? who.client : 'anonymous';
  const t = await signToken(svc.signer, subject, grant(who, scopes));
  return { token: t.token, access_token: t.token, expires_in: t.expiresIn, issued_at: t.issuedAt };
}

export function tokenHandler(svc: TokenService, onError: (err: unknown) => void = () => undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    answer(svc, req).then(
      (body) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (err: unknown) => {
        const status = err instanceof Refused ? err.status : 500;
        if (status === 500) onError(err);
        if (res.headersSent) return void res.destroy();
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: status === 401 ? 'UNAUTHORIZED' : 'DENIED', message: err instanceof Refused ? err.message : 'internal error' }] }));
      },
    );
  };
}
