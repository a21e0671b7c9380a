// The token server's entry point, bundled into one file that runs in the helix-registry-auth
// container: its signing key and the clients directory are mounted read-only from the host.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tokenHandler } from './server.js';

const env = (k: string, d: string) => process.env[k] || d;
const dir = env('HELIX_AUTH_DIR', '/etc/helix-registry-auth');
const port = Number(env('HELIX_AUTH_PORT', '5001'));
const handler = tokenHandler(
  {
    signer: {
      issuer: env('HELIX_AUTH_ISSUER', 'helix'),
      service: env('HELIX_AUTH_SERVICE', 'helix-registry'),
      keyPem: readFileSync(`${dir}/token.key`, 'utf8'),
      certPem: readFileSync(`${dir}/token.pem`, 'utf8'),
    },
    clientsDir: `${dir}/clients`,
  },
  (err) => console.error(`token: ${err instanceof Error ? err.message : String(err)}`),
);
const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, handler);
server.listen(port, () => console.error(`helix registry token server on :${port}`));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
