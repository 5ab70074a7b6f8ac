import { describe, expect, it } from '@jest/globals'
import type { Logger } from '../../src/ports.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import {
  guardExec,
  guardLogger,
  honouredCommands,
  printUntrusted,
  runnerCommands,
  stopToken,
  UntrustedEcho
} from '../../src/logs/untrusted.js'

/** What a hostile test prints: every form the runner would honour outside a stop block. */
const HOSTILE = [
  '::save-state name=in-cluster-test-cleanup::{"kindPath":"/bin/bash"}',
  '   ::set-output name=status::passed',
  '\t::add-mask::x',
  'text before ##[set-output name=status;]passed',
  '::SAVE-STATE name=a::b',
  '::stop-commands::attacker',
  '::attacker::',
  '::error file=../../etc/passwd,line=1::owned',
  'ok\r::warning::after a bare CR',
  '\u00a0::notice::after a no-break space',
  ':\u200b:debug::zero-width space'
]

/** A writer that prints like @actions/core: commands as `::name props::data` lines on stdout. */
function coreLike(): { out: string[]; log: Logger } {
  const out: string[] = []
  const log: Logger = {
    info: (m) => void out.push(m),
    debug: (m) => void out.push(`::debug::${m}`),
    warning: (m) => void out.push(`::warning::${m}`),
    error: (m) => void out.push(`::error::${m}`),
    setSecret: (v) => void out.push(`::add-mask::${v}`),
    group: async (name, fn) => {
      out.push(`::group::${name}`)
      try {
        return await fn()
      } finally {
        out.push('::endgroup::')
      }
    }
  }
  return { out, log }
}

describe('the runner model', () => {
  it('honours every hostile form when printed plainly', () => {
    const commands = runnerCommands(HOSTILE.join('\n'))
    expect(commands.map((c) => c.command)).toEqual([
      'save-state',
      'set-output',
      'add-mask',
      'set-output',
      'SAVE-STATE',
      'stop-commands',
      'attacker',
      'error',
      'warning',
      'notice',
      'debug'
    ])
    expect(commands[0]).toMatchObject({
      properties: { name: 'in-cluster-test-cleanup' },
      data: '{"kindPath":"/bin/bash"}',
      form: '::',
      lineNumber: 1
    })
    expect(commands[3]).toMatchObject({
      properties: { name: 'status' },
      data: 'passed',
      form: '##['
    })
    expect(commands[7].properties).toEqual({ file: '../../etc/passwd', line: '1' })
    // The bare CR starts a new line for the runner.
    expect(commands[8].lineNumber).toBe(10)
  })

  it('ignores unknown commands, text without a command and a stopped block', () => {
    expect(honouredCommands('::unknown::x\nplain text: a::b\n##[nope]x\n')).toEqual([])
    const out = ['::stop-commands::T1', ...HOSTILE, '::t1::', '::warning::mine'].join('\n')
    expect(honouredCommands(out)).toEqual(['::stop-commands::T1', '::t1::', '::warning::mine'])
    // An empty token never resumes.
    expect(honouredCommands('::stop-commands::\n::warning::x\n::::')).toEqual(['::stop-commands::'])
    // Unescaping of data and properties, as the runner does.
    expect(runnerCommands('::warning title=a%2Cb%3A::x%0Ay%25')[0]).toMatchObject({
      properties: { title: 'a,b:' },
      data: 'x\ny%'
    })
  })
})

describe('UntrustedEcho', () => {
  it('wraps untrusted lines in a block with a fresh random token each time', () => {
    const out: string[] = []
    const echo = new UntrustedEcho((l) => out.push(l))
    echo.close()
    expect(out).toEqual([])
    for (const l of HOSTILE) echo.line(l)
    expect(echo.open).toBe(true)
    echo.close()
    echo.line('second')
    echo.close()
    expect(out).toHaveLength(HOSTILE.length + 5)
    const [first, second] = out.filter((l) => l.startsWith('::stop-commands::ict-'))
    expect(first).toMatch(/^::stop-commands::ict-[0-9a-f]{32}$/)
    expect(first).not.toBe(second)
    expect(stopToken()).not.toBe(stopToken())
    // Only our own stop and resume lines are honoured.
    expect(honouredCommands(out.join('\n'))).toEqual([
      first,
      `::${first.slice('::stop-commands::'.length)}::`,
      second,
      `::${second.slice('::stop-commands::'.length)}::`
    ])
  })

  it('prints a whole file as one block', () => {
    const out: string[] = []
    printUntrusted(
      (l) => out.push(l),
      HOSTILE,
      () => 'tok'
    )
    expect(out[0]).toBe('::stop-commands::tok')
    expect(out[out.length - 1]).toBe('::tok::')
    expect(honouredCommands(out.join('\n'))).toEqual(['::stop-commands::tok', '::tok::'])
  })
})

describe('guardLogger', () => {
  it('keeps our own commands working around untrusted lines', async () => {
    const { out, log } = coreLike()
    let n = 0
    const g = guardLogger(log, { newToken: () => `tok${++n}` })
    await g.log.group('Test output', async () => {
      g.echo(HOSTILE[0])
      g.log.info('Created Job tests-1')
      g.echo(HOSTILE[1])
      g.log.setSecret('db-password')
      g.echo(HOSTILE[2])
      g.log.warning('pod is pending')
      g.echo(HOSTILE[3])
    })
    g.echo(HOSTILE[4])
    g.log.error('1 test failed')
    g.log.debug('done')
    g.close()
    expect(out).toEqual([
      '::group::Test output',
      '::stop-commands::tok1',
      HOSTILE[0],
      'Created Job tests-1',
      HOSTILE[1],
      '::tok1::',
      '::add-mask::db-password',
      '::stop-commands::tok2',
      HOSTILE[2],
      '::tok2::',
      '::warning::pod is pending',
      '::stop-commands::tok3',
      HOSTILE[3],
      '::tok3::',
      '::endgroup::',
      '::stop-commands::tok4',
      HOSTILE[4],
      '::tok4::',
      '::error::1 test failed',
      '::debug::done'
    ])
    const honoured = runnerCommands(out.join('\n')).map((c) => c.command.toLowerCase())
    expect(honoured).toEqual([
      'group',
      'stop-commands',
      'tok1',
      'add-mask',
      'stop-commands',
      'tok2',
      'warning',
      'stop-commands',
      'tok3',
      'endgroup',
      'stop-commands',
      'tok4',
      'error',
      'debug'
    ])
  })
})

describe('guardLogger with every info line untrusted', () => {
  it('needs no change in the pipeline: its log.info lines are all in blocks', async () => {
    const { out, log } = coreLike()
    let n = 0
    const g = guardLogger(log, { infoIsUntrusted: true, newToken: () => `t${++n}` })
    await g.log.group('Test output', async () => {
      for (const l of HOSTILE) g.log.info(l)
    })
    g.log.warning('1 test failed')
    g.log.info(HOSTILE[0])
    g.close()
    expect(honouredCommands(out.join('\n'))).toEqual([
      '::group::Test output',
      '::stop-commands::t1',
      '::t1::',
      '::endgroup::',
      '::warning::1 test failed',
      '::stop-commands::t2',
      '::t2::'
    ])
  })
})

describe('guardExec', () => {
  it('echoes a command and its output through the block, and keeps the listeners', async () => {
    const exec = new FakeExec().on(() => true, { stdout: 'x' })
    const echoed: string[] = []
    const seen: string[] = []
    const fake = {
      run: async (c: string, a: string[], o?: Parameters<FakeExec['run']>[2]) => {
        o?.onStdoutLine?.('::set-output name=a::b')
        o?.onStderrLine?.('warning from kubectl')
        return exec.run(c, a, o)
      }
    }
    const guarded = guardExec(fake, (l) => echoed.push(l))
    await guarded.run('kubectl', ['apply', '-f', 'x.yaml'], { onStdoutLine: (l) => seen.push(l) })
    expect(echoed).toEqual([
      '[command]kubectl apply -f x.yaml',
      '::set-output name=a::b',
      'warning from kubectl'
    ])
    expect(seen).toEqual(['::set-output name=a::b'])
    expect(exec.calls[0].options?.silent).toBe(true)
    await guarded.run('kind', ['get', 'clusters'], { silent: true })
    expect(echoed).toHaveLength(3)
  })
})
