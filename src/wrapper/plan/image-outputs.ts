// What a build's `--output` and `--push` ask of docker's own builder (the docker driver) when all of it
// is an image: the image exporter there writes into the daemon's image store, and a push is the
// daemon's own push of that image afterwards (buildx's "pushing <name> with docker"). Such a build can
// take the smart path: the image lands in the daemon as usual, then the daemon pushes it, from the
// session's network and with the CLI's logins, as plain docker would. Any other output (files, a
// tarball, exporter options that change the image) stays buildx's. Pure.

export interface ImageDestination {
  /** The daemon pushes the image under each name once it has it. */
  push: boolean;
  /** Names the outputs give the image (`name=`); tags given with `-t` replace them, as in buildx. */
  names: string[];
}

/** Go's strconv.ParseBool, which buildx reads `push` with. */
const BOOLS = new Map([
  ['1', true], ['t', true], ['T', true], ['TRUE', true], ['true', true], ['True', true],
  ['0', false], ['f', false], ['F', false], ['FALSE', false], ['false', false], ['False', false],
]);

/** One CSV record, as buildx reads an `--output` value (Go's encoding/csv); undefined if malformed. */
export function csvFields(s: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return undefined;
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += s[i++];
      }
      if (i < s.length && s[i] !== ',') return undefined;
    } else {
      const end = s.indexOf(',', i);
      field = s.slice(i, end < 0 ? s.length : end);
      if (field.includes('"')) return undefined;
      i = end < 0 ? s.length : end;
    }
    fields.push(field);
    if (i >= s.length) return fields;
    i++; // the comma
  }
}

/** The fields of one `--output` value (keys lower-cased, as buildx reads them), or undefined if malformed. */
export function outputAttrs(value: string): Record<string, string> | undefined {
  const fields = csvFields(value);
  // A bare value is a directory or, for "-", a tarball on stdout.
  if (!fields || (fields.length === 1 && !value.startsWith('type='))) return undefined;
  const attrs: Record<string, string> = {};
  const names: string[] = [];
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq < 0) return undefined;
    const key = field.slice(0, eq).trim().toLowerCase();
    if (key === 'name') names.push(field.slice(eq + 1));
    else attrs[key] = field.slice(eq + 1);
  }
  return names.length ? { ...attrs, name: names.join(',') } : attrs;
}

/**
 * The image destination of one output given as its attributes (`type`, `name`, `push`…: how bake
 * prints a target's output), or undefined if it is anything else.
 */
export function imageOutput(attrs: Readonly<Record<string, string>>): ImageDestination | undefined {
  let push = false;
  for (const [key, v] of Object.entries(attrs)) {
    if (key === 'push') {
      const b = BOOLS.get(v);
      if (b === undefined) return undefined;
      push = b;
    } else if (key !== 'type' && key !== 'name') return undefined; // dest, compression, rewrite-timestamp…: not only the daemon's image
  }
  const names = (attrs.name ?? '').split(',').filter(Boolean);
  if (attrs.type === 'registry') return { push: true, names };
  if (attrs.type === 'image') return { push, names };
  if (attrs.type === 'docker' && !push) return { push: false, names };
  return undefined;
}

/**
 * The image destination of a build's outputs and `--push`: undefined when any output is not the
 * daemon's image store; `{ push: false, names: [] }` when there is none at all (the default load).
 */
export function imageDestination(outputs: readonly string[], pushFlag: boolean): ImageDestination | undefined {
  const dest: ImageDestination = { push: pushFlag, names: [] };
  for (const value of outputs) {
    if (value === '') continue; // buildx skips an empty --output
    const attrs = outputAttrs(value);
    const o = attrs && imageOutput(attrs);
    if (!o) return undefined;
    dest.push ||= o.push;
    dest.names.push(...o.names);
  }
  return { push: dest.push, names: [...new Set(dest.names)] };
}
