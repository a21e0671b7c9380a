// The registry facade's entry point, bundled into one file that runs in the helix-facade container:
// BuildKit's state volume and the token certificate are mounted read-only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { TOKEN_CERT_IN_REGISTRY } from '../host-config.js';
import { tokenVerifier } from '../registry-auth/token.js';
import { facadeHandler } from './server.js';

const env = (k: string, d: string) => process.env[k] || d;
const service = env('HELIX_AUTH_SERVICE', 'helix-registry');
const issuer = env('HELIX_AUTH_ISSUER', 'helix');
const state = env('HELIX_FACADE_BUILDKIT_STATE', '/var/lib/buildkit');
// The OCI worker keeps its store under runc-<snapshotter>/; BuildKit picks the snapshotter at start.
const worker = readdirSync(state).find((d) => d.startsWith('runc-') && existsSync(`${state}/${d}/content`));
if (!worker) {
  console.error(`facade: no BuildKit content store under ${state}`);
  process.exit(1);
}
const handler = facadeHandler(
  {
    contentDir: `${state}/${worker}/content`,
    verify: tokenVerifier({ issuer, service, certPem: readFileSync(env('HELIX_FACADE_TOKEN_CERT', TOKEN_CERT_IN_REGISTRY), 'utf8') }),
    realm: env('HELIX_AUTH_REALM', 'http://helix-registry-auth:5001/token'),
    service,
  },
  (err) => console.error(`facade: ${err instanceof Error ? err.message : String(err)}`),
);
const server = createServer({ headersTimeout: 5_000 }, handler);
server.listen(Number(env('HELIX_FACADE_PORT', '5002')), () => console.error(`helix registry facade on :${server.address() && (server.address() as { port: number }).port}`));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
