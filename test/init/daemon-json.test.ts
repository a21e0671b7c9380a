import { describe, expect, it } from 'vitest';
import { mergeDaemonJson } from '../../src/init/daemon-json.js';

const P = '/etc/docker/daemon.json';
const want = { insecureRegistries: ['helix-registry:5000'] };

describe('mergeDaemonJson', () => {
  it('writes a new file when there is none', () => {
    expect(JSON.parse(mergeDaemonJson(undefined, want, P) as string)).toEqual({ 'insecure-registries': ['helix-registry:5000'] });
  });

  it('keeps every key the user set and appends to their registry list', () => {
    const out = mergeDaemonJson('{"log-level":"warn","insecure-registries":["mine:5000"]}', want, P);
    expect(JSON.parse(out as string)).toEqual({ 'log-level': 'warn', 'insecure-registries': ['mine:5000', 'helix-registry:5000'] });
  });

  it('changes nothing when the registry is already trusted', () => {
    expect(mergeDaemonJson('{"insecure-registries":["helix-registry:5000"]}', want, P)).toBeUndefined();
  });

  it('sets operator keys and keeps the rest, changing nothing once they are set', () => {
    const extra = { features: { 'containerd-snapshotter': true } };
    const out = mergeDaemonJson('{"debug":true}', { ...want, extra }, P) as string;
    expect(JSON.parse(out)).toEqual({ debug: true, features: { 'containerd-snapshotter': true }, 'insecure-registries': ['helix-registry:5000'] });
    expect(mergeDaemonJson(out, { ...want, extra }, P)).toBeUndefined();
  });

  it('pins overlay2 unless the user chose a driver or the containerd image store is on', () => {
    const pin = { ...want, pinOverlay2: true };
    expect(JSON.parse(mergeDaemonJson('{}', pin, P) as string)['storage-driver']).toBe('overlay2');
    expect(JSON.parse(mergeDaemonJson('{"storage-driver":"vfs"}', pin, P) as string)['storage-driver']).toBe('vfs');
    const ctrd = mergeDaemonJson('{}', { ...pin, extra: { features: { 'containerd-snapshotter': true } } }, P) as string;
    expect(JSON.parse(ctrd)).not.toHaveProperty('storage-driver');
  });

  it('stops on malformed JSON with one line naming the file', () => {
    expect(() => mergeDaemonJson('{"a":', want, P)).toThrowError(/^\/etc\/docker\/daemon.json is not valid JSON/);
    expect(() => mergeDaemonJson('[1]', want, P)).toThrowError(/must hold a JSON object/);
    expect(() => mergeDaemonJson('{"insecure-registries":"x"}', want, P)).toThrowError(/must be a list of strings/);
  });
});
