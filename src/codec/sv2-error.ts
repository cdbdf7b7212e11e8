/**
 * The root of every error this package raises on purpose. `code` is stable for programs
 * (`SV2_ERR_*`, one style everywhere); `message` is one line for people, naming what to change.
 * `instanceof Sv2Error` tells our failures from a bug or a platform error.
 */
export class Sv2Error extends Error {
  constructor(
    readonly code: `SV2_ERR_${string}`,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
