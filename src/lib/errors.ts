// One error type for the whole toolkit: a stable code, a one-line message that names the file, flag or
// command at fault, an optional hint, and the underlying cause kept for the log.
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

/** The single line shown to a person: message, then the hint if there is one. */
export function oneLine(err: unknown): string {
  if (err instanceof HelixError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
