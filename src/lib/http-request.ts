// node:http's request, required rather than imported: an ESM import of node:http evaluates its lazy
// exports, which loads Node's whole fetch stack (undici), ~60 ms at the start of every process that
// imports it (the wrapper on each build, helix-init on each boot).
import { createRequire } from 'node:module';

export const { request } = createRequire(import.meta.url)('node:http') as typeof import('node:http');
