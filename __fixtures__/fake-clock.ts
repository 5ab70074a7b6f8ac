import type { Clock } from '../src/ports.js'

/** A clock that only moves when something sleeps, so deadline logic is tested without waiting. */
export class FakeClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms
  }
}
