/**
 * The error type of the native boundary, and how permission failures become messages that name
 * the missing flag.
 * @module
 */

/** An error raised by the native library or by finding and loading it. */
export class NativeError extends Error {
  /** The negative status code returned by the native export (0 for load errors). */
  readonly code: number;
  /** Creates the error with the native status `code` (0 when loading failed). */
  constructor(message: string, code = 0) {
    super(message);
    this.name = "NativeError";
    this.code = code;
  }
}

/** Whether `error` is Deno refusing an operation for want of a permission flag. */
export function isPermissionError(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === "NotCapable" || name === "PermissionDenied";
}
