// The registry facade's entry point, bundled into one file that runs in the helix-facade container:
// BuildKit's state (the shared volume, or under `project` tenancy the directory holding every project
// builder's) and the token certificate are mounted read-only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { TOKEN_CERT_IN_REGISTRY } from '../host-config.js';
import { tokenVerifier } from '../registry-auth/token.js';
import { projectOfRepository } from './requests.js';
import { facadeHandler } from './server.js';

const env = (k: string, d: string) => process.env[k] || d;
const service = env('HELIX_AUTH_SERVICE', 'helix-registry');
const issuer = env('HELIX_AUTH_ISSUER', 'helix');
const projectStores = process.env.HELIX_FACADE_PROJECT_STORES;

/** The OCI worker keeps its store under runc-<snapshotter>/; BuildKit picks the snapshotter at its first start. */
function contentStore(state: string): string | undefined {
  const worker = existsSync(state) ? readdirSync(state).find((d) => d.startsWith('runc-') && existsSync(`${state}/${d}/content`)) : undefined;
  return worker && `${state}/${worker}/content`;
}

let contentDir: (repository: string) => string | undefined;
if (projectStores) {
  // A project's builder may start after the facade: its store is looked for when first asked, then kept.
  const found = new Map<string, string>();
  contentDir = (repository) => {
    const project = projectOfRepository(repository);
    if (!project) return undefined;
    const dir = found.get(project) ?? contentStore(`${projectStores}/${project}`);
    if (dir) found.set(project, dir);
    return dir;
  };
} else {
  const state = env('HELIX_FACADE_BUILDKIT_STATE', '/var/lib/buildkit');
  const shared = contentStore(state);
  if (!shared) {
    console.error(`facade: no BuildKit content store under ${state}`);
    process.exit(1);
  }
  contentDir = () => shared;
}

const handler = facadeHandler(
  {
    contentDir,
    verify: tokenVerifier({ issuer, service, certPem: readFileSync(env('HELIX_FACADE_TOKEN_CERT', TOKEN_CERT_IN_REGISTRY), 'utf8') }),
    realm: env('HELIX_AUTH_REALM', 'http://helix-registry-auth:5001/token'),
    service,
  },
  (err) => console.error(`facade: ${err instanceof Error ? err.message : String(err)}`),
);
const server = createServer({ headersTimeout: 5_000 }, handler);
server.listen(Number(env('HELIX_FACADE_PORT', '5002')), () => console.error(`helix registry facade on :${server.address() && (server.address() as { port: number }).port}`));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
