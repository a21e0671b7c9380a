// One error type for the whole toolkit: a stable code, a one-line message that names the file, flag or
// command at fault, an optional hint, and the underlying cause kept for the log. Every program prints
// a failure the same way: `<program>: <CODE>: <message> (<hint>)`.
export type ErrorCode =
  | 'BAD_CONFIG'
  | 'BAD_FILE'
  | 'BAD_FLAG'
  | 'COMMAND_FAILED'
  | 'NOT_READY'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INTERNAL';

export class HelixError extends Error {
  override readonly name = 'HelixError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Any failure as a HelixError: ours as they are, anything else as INTERNAL with the original as cause. */
export function asHelixError(err: unknown): HelixError {
  if (err instanceof HelixError) return err;
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err);
  return new HelixError('INTERNAL', message, undefined, { cause: err });
}

/** The single line shown to a person: code, message, then the hint if there is one. */
export function oneLine(err: unknown): string {
  const e = asHelixError(err);
  // Messages from libraries (an option parser, say) can span lines; a person gets one.
  const flat = (t: string) => t.replace(/\s*\n\s*/g, ' ').trim();
  return `${e.code}: ${flat(e.message)}${e.hint ? ` (${flat(e.hint)})` : ''}`;
}
