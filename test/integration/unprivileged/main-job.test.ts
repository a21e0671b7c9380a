// The main job (small scale) again, every desktop under HELIX_ISOLATION=unprivileged (see isolation.test.ts).
process.env.HELIX_ISOLATION = 'unprivileged';
await import('../main-job.test.js');
