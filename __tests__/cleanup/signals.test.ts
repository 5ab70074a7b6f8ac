import { describe, expect, it } from '@jest/globals'
import { EventEmitter } from 'node:events'
import { cleanupOnSignal } from '../../src/cleanup/signals.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

function fakeProcess() {
  const emitter = new EventEmitter()
  const exits: number[] = []
  let exited: () => void = () => undefined
  const done = new Promise<void>((r) => (exited = r))
  return {
    proc: {
      on: (s: 'SIGINT' | 'SIGTERM', l: () => void) => emitter.on(s, l),
      off: (s: 'SIGINT' | 'SIGTERM', l: () => void) => emitter.off(s, l),
      exit: (code: number) => {
        exits.push(code)
        exited()
      }
    },
    emitter,
    exits,
    done
  }
}

describe('cleanupOnSignal', () => {
  it('cleans up once on SIGTERM, then exits 143', async () => {
    const p = fakeProcess()
    let cleaned = 0
    const log = new FakeLogger()
    cleanupOnSignal(async () => void cleaned++, log, { proc: p.proc })
    p.emitter.emit('SIGTERM')
    p.emitter.emit('SIGINT')
    await p.done
    expect(cleaned).toBe(1)
    expect(p.exits).toEqual([143])
    expect(log.text('warning')).toBe(
      'Received SIGTERM: deleting what this run created before exiting'
    )
  })

  it('exits 130 on SIGINT even when the cleanup fails or hangs', async () => {
    const failing = fakeProcess()
    const log = new FakeLogger()
    cleanupOnSignal(async () => Promise.reject(new Error('API gone')), log, { proc: failing.proc })
    failing.emitter.emit('SIGINT')
    await failing.done
    expect(failing.exits).toEqual([130])
    expect(log.text('warning')).toContain('Cleanup after SIGINT failed: API gone')

    const hanging = fakeProcess()
    cleanupOnSignal(() => new Promise(() => undefined), log, { proc: hanging.proc, timeoutMs: 10 })
    hanging.emitter.emit('SIGINT')
    await hanging.done
    expect(hanging.exits).toEqual([130])
    expect(log.text('warning')).toContain('Cleanup did not finish within 0.01s')
  })

  it('removes its handlers', () => {
    const p = fakeProcess()
    const remove = cleanupOnSignal(async () => undefined, new FakeLogger(), { proc: p.proc })
    expect(p.emitter.listenerCount('SIGINT')).toBe(1)
    remove()
    expect(p.emitter.listenerCount('SIGINT') + p.emitter.listenerCount('SIGTERM')).toBe(0)
  })
})
