// The wrapper's paths suite again, every desktop under HELIX_ISOLATION=unprivileged (see isolation.test.ts).
process.env.HELIX_ISOLATION = 'unprivileged';
await import('../wrapper-paths.test.js');
