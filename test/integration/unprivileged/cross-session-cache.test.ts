// The cross-session cache suite again, every desktop under HELIX_ISOLATION=unprivileged (see isolation.test.ts).
process.env.HELIX_ISOLATION = 'unprivileged';
await import('../cross-session-cache.test.js');
