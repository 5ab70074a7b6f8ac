/** Records how long each stage took, for the summary's timing table and the benchmark. */
import type { Clock } from './ports.js'

export interface StageTiming {
  stage: string
  ms: number
  /** When the stage started, in ms since the timer was made: shows which stages overlapped. */
  startMs: number
}

export class StageTimer {
  private readonly timings: StageTiming[] = []
  private readonly origin: number
  constructor(private readonly clock: Clock) {
    this.origin = clock.now()
  }

  async time<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const start = this.clock.now()
    try {
      return await fn()
    } finally {
      this.timings.push({ stage, ms: this.clock.now() - start, startMs: start - this.origin })
    }
  }

  /** When the timer was made (the run's start), in the clock's time. */
  get startedAt(): number {
    return this.origin
  }

  /** Milliseconds since the timer was made (the run's start). */
  elapsed(): number {
    return this.clock.now() - this.origin
  }

  list(): StageTiming[] {
    return [...this.timings]
  }
}
