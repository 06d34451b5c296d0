/**
 * Bounds how many password hashes (scrypt, ~50 ms and 32 MiB each) run at once in this
 * process, and how many wait: a flood of logins queues here instead of taking every core and
 * every MiB, and past the queue's bound it is refused at once (HashSlotsBusyError).
 */
export class HashSlotsBusyError extends Error {
  override name = "HashSlotsBusyError";
  constructor() {
    super("Too many password checks at once");
  }
}

export class HashSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly maxRunning = 2, private readonly maxWaiting = 32) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxRunning) {
      if (this.waiting.length >= this.maxWaiting) throw new HashSlotsBusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter (running stays the same), else it frees.
      if (next) next();
      else this.running -= 1;
    }
  }
}
