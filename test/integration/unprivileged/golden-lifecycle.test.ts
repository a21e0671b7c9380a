// The golden lifecycle suite again, every desktop under HELIX_ISOLATION=unprivileged (see isolation.test.ts).
process.env.HELIX_ISOLATION = 'unprivileged';
await import('../golden-lifecycle.test.js');
