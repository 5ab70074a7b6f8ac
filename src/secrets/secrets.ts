/**
 * The run's secret values in one place: each is masked (whole, and line by line) the moment it is
 * known, and the Redactor for everything the action writes is built from all of them. Values come
 * from the inputs first, then from the cluster (the Secrets named in env-from-secrets).
 */
import type { Logger } from '../ports.js'
import { rawInputMasks, secretMasks } from './parse.js'
import { Redactor } from './redact.js'

export class SecretValues {
  private readonly values = new Set<string>()
  private cached: Redactor | undefined

  constructor(private readonly log: Pick<Logger, 'setSecret'>) {}

  /** Masks and records values; call before anything could print them. */
  add(values: Iterable<string>): this {
    for (const v of values) {
      if (v.trim() === '' || this.values.has(v)) continue
      for (const m of secretMasks(v)) this.log.setSecret(m)
      this.values.add(v)
      this.cached = undefined
    }
    return this
  }

  /** Masks the raw text of a secret input before it is parsed (its lines, or their values). */
  addRawInput(text: string): this {
    for (const m of rawInputMasks(text)) this.log.setSecret(m)
    return this
  }

  get redactor(): Redactor {
    this.cached ??= Redactor.from(this.values)
    return this.cached
  }

  get size(): number {
    return this.values.size
  }
}
