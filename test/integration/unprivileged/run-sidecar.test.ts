// The run sidecar suite again, every desktop under HELIX_ISOLATION=unprivileged (see isolation.test.ts).
process.env.HELIX_ISOLATION = 'unprivileged';
await import('../run-sidecar.test.js');
