/** Records how long each stage took, for the summary's timing table and the benchmark. */
import type { Clock } from './ports.js'

export interface StageTiming {
  stage: string
  ms: number
}

export class StageTimer {
  private readonly timings: StageTiming[] = []
  constructor(private readonly clock: Clock) {}

  async time<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const start = this.clock.now()
    try {
      return await fn()
    } finally {
      this.timings.push({ stage, ms: this.clock.now() - start })
    }
  }

  list(): StageTiming[] {
    return [...this.timings]
  }
}
