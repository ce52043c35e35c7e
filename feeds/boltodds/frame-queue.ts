// Frames received on the socket, waiting for the consumer.
export interface Frame {
  text: string;
  receivedAt: string;
}

/** Frames waiting for the (possibly slow) consumer; the socket is paused while it is full. */
export class FrameQueue {
  private items: Frame[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  get length() {
    return this.items.length;
  }
  push(f: Frame) {
    this.items.push(f);
    this.wake?.();
  }
  end() {
    this.ended = true;
    this.wake?.();
  }
  async next(): Promise<Frame | null> {
    while (this.items.length === 0) {
      if (this.ended) return null;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
    return this.items.shift()!;
  }
}
