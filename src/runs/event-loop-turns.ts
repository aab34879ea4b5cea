/**
 * Training steps are synchronous, so a loop of them never lets Node see a signal (Ctrl-C), a worker's stop message or
 * pending I/O. A loop asks `due()` once per step (a clock read) and, when `everyMs` of work has passed, awaits `take()`
 * to let the event loop run once.
 */
export class EventLoopTurns {
  #last = performance.now();

  constructor(private readonly everyMs: number) {}

  due(): boolean {
    return performance.now() - this.#last > this.everyMs;
  }

  async take(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#last = performance.now();
  }
}
