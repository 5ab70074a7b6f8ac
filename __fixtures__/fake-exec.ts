import type { Exec, ExecOptions, ExecResult } from '../src/ports.js'

export interface RecordedCall {
  command: string
  args: string[]
  options?: ExecOptions
}

type Responder = (call: RecordedCall) => Partial<ExecResult> | undefined

/**
 * An Exec that records every call and answers from a list of responders (first match wins);
 * unmatched calls succeed with empty output.
 */
export class FakeExec implements Exec {
  readonly calls: RecordedCall[] = []
  private readonly responders: Responder[] = []

  on(match: (c: RecordedCall) => boolean, result: Partial<ExecResult> | ((c: RecordedCall) => Partial<ExecResult>)): this {
    this.responders.push((c) => (match(c) ? (typeof result === 'function' ? result(c) : result) : undefined))
    return this
  }

  async run(command: string, args: string[], options?: ExecOptions): Promise<ExecResult> {
    const call = { command, args, options }
    this.calls.push(call)
    for (const r of this.responders) {
      const res = r(call)
      if (res) return { exitCode: 0, stdout: '', stderr: '', ...res }
    }
    return { exitCode: 0, stdout: '', stderr: '' }
  }

  commandLines(): string[] {
    return this.calls.map((c) => [c.command, ...c.args].join(' '))
  }
}
