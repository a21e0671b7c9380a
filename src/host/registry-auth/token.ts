// Registry bearer tokens: JWTs the distribution registry verifies against the certificate in its
// `rootcertbundle` (sent along as x5c, so no key id convention is involved). The token server signs
// sessions' tokens with it; the host signs its own (seeding the mirror, garbage collection).
import { randomBytes, X509Certificate } from 'node:crypto';
import { importPKCS8, importX509, jwtVerify, SignJWT } from 'jose';
import type { Access } from './access.js';

export interface TokenSigner {
  /** The registry's `auth.token.issuer` and `service`. */
  issuer: string;
  service: string;
  keyPem: string;
  certPem: string;
}

export interface Token {
  token: string;
  expiresIn: number;
  issuedAt: string;
}

/** Imported once per signer: the token server signs on every registry round trip. */
const prepared = new WeakMap<TokenSigner, Promise<{ key: CryptoKey; x5c: string }>>();

function prepare(s: TokenSigner) {
  let p = prepared.get(s);
  if (!p) {
    p = importPKCS8(s.keyPem, 'ES256').then((key) => ({ key, x5c: new X509Certificate(s.certPem).raw.toString('base64') }));
    prepared.set(s, p);
  }
  return p;
}

export async function signToken(s: TokenSigner, subject: string, access: Access[], ttlS = 300): Promise<Token> {
  const { key, x5c: der } = await prepare(s);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ access })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [der] })
    .setIssuer(s.issuer)
    .setSubject(subject)
    .setAudience(s.service)
    // A little slack for clocks of containers that drifted from the registry's.
    .setNotBefore(now - 10)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlS)
    .setJti(randomBytes(12).toString('hex'))
    .sign(key);
  return { token, expiresIn: ttlS, issuedAt: new Date(now * 1000).toISOString() };
}

/**
 * The access of a token this signer's certificate vouches for, for `service`; undefined for a token
 * that is forged, expired or for another service. The registry facade checks tokens as the registry does.
 */
export function tokenVerifier(s: Pick<TokenSigner, 'issuer' | 'service' | 'certPem'>): (token: string) => Promise<Access[] | undefined> {
  const key = importX509(s.certPem, 'ES256');
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, await key, { issuer: s.issuer, audience: s.service, algorithms: ['ES256'], clockTolerance: 10 });
      return Array.isArray(payload.access) ? (payload.access as Access[]) : [];
    } catch {
      return undefined;
    }
  };
}
