/**
 * Cancellation as an error of its own: engine code asked to stop (a trial's `shouldStop`) throws
 * a `CancelledError`, and whoever runs it (the training worker) tells it apart from a failure
 * with `instanceof`, not by its name or message.
 */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message)
    this.name = 'CancelledError'
  }
}

/** Throws a CancelledError naming `where` when `shouldStop` says so (the check every long loop makes). */
export function stopIfAsked(shouldStop: (() => boolean) | undefined, where: string): void {
  if (shouldStop?.()) throw new CancelledError(`trial cancelled ${where}`)
}
