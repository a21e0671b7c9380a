// `docker buildx bake` command lines: the table of its flags, and whether the wrapper can take the bake
// (it loads images into the daemon) or leaves it to buildx (printing, pushing, checking). Pure.
import { isOn, lastOpt, OptionTable, scanOptions, type Opt } from './options.js';

/** Every flag of `docker buildx bake` (buildx 0.13 to 0.29), with its shorthand. */
export const BAKE_FLAGS = new OptionTable([
  ['allow', 'value'], ['builder', 'value'], ['call', 'value'], ['check', 'bool'], ['debug', 'bool', 'D'],
  ['file', 'value', 'f'], ['list', 'value'], ['load', 'bool'], ['metadata-file', 'value'], ['no-cache', 'bool'],
  ['print', 'bool'], ['progress', 'value'], ['provenance', 'value'], ['pull', 'bool'], ['push', 'bool'],
  ['sbom', 'value'], ['set', 'value'], ['var', 'value'],
]);

export interface BakeArgv {
  opts: Opt[];
  targets: string[];
  /** The arguments as given, for `bake --print` to resolve the definition exactly as bake would. */
  args: string[];
}

export type BakeParse = { ok: true; bake: BakeArgv } | { ok: false; reason: string };

export function parseBakeArgs(args: readonly string[]): BakeParse {
  const s = scanOptions(args, BAKE_FLAGS, { interspersed: true });
  if (s.error) return { ok: false, reason: s.error };
  return { ok: true, bake: { opts: s.opts, targets: s.positionals, args: [...args] } };
}

/** Why buildx itself must run this bake, or undefined if the wrapper can land its images. */
export function notSmartBake(b: BakeArgv): string | undefined {
  if (isOn(b.opts, 'print') || lastOpt(b.opts, 'list') !== undefined) return 'prints the definition';
  if (lastOpt(b.opts, 'call') !== undefined || isOn(b.opts, 'check')) return 'not an image build (--call/--check)';
  if (lastOpt(b.opts, 'provenance') !== undefined || lastOpt(b.opts, 'sbom') !== undefined) return 'attestations requested';
  return undefined;
}
