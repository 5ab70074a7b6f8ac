import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import { cell, code } from '../../src/report/markdown.js'
import { redactDirectory, redactFile, Redactor } from '../../src/secrets/redact.js'

const PEM = '-----BEGIN KEY-----\nAAAAbbbbCCCCdddd\nEEEEffffGGGGhhhh\n-----END KEY-----\n'

describe('Redactor', () => {
  it('replaces every value, the longest first', () => {
    const r = Redactor.from(['pass', 'password123', ''])
    expect(r.redact('a password123 b pass c')).toBe('a *** b *** c')
    expect(r.redact('')).toBe('')
    expect(Redactor.from([]).redact('password123')).toBe('password123')
  })

  it('treats values as text, not patterns', () => {
    const r = Redactor.from(['a.b*c(d)[e]$\\', '$&'])
    expect(r.redact('x a.b*c(d)[e]$\\ y axbbc')).toBe('x *** y axbbc')
    expect(r.redact('cost $& more')).toBe('cost *** more')
  })

  it('redacts a multi-line value whole and line by line', () => {
    const r = Redactor.from([PEM])
    expect(r.redact(`key: ${PEM}`)).toBe('key: ***')
    expect(r.redact('line 2 was AAAAbbbbCCCCdddd')).toBe('line 2 was ***')
  })

  it('redacts the forms a value takes in JSON, XML, HTML and Markdown cells', () => {
    const secret = 'p"a<s>s|w`o&rd'
    const r = Redactor.from([secret])
    expect(r.redact(JSON.stringify({ m: `got ${secret}` }))).toBe('{"m":"got ***"}')
    expect(r.redact('got p&quot;a&lt;s&gt;s|w`o&amp;rd')).toBe('got ***')
    expect(r.redact('<x a="p&quot;a&lt;s&gt;s|w`o&amp;rd"/>')).toBe('<x a="***"/>')
    expect(r.redact(`| got ${cell(secret)} |`)).toBe('| got *** |')
    expect(r.redact(`| ${code(secret)} |`)).toBe('| <code>***</code> |')
  })

  it('adds values read later, and redacts a report deeply without losing its functions', () => {
    const r = Redactor.from(['one-secret']).with(['two-secret'])
    const locate = () => 'x'
    const report = {
      headline: 'one-secret and two-secret',
      run: { tests: [{ name: 'T', output: ['two-secret'] }], n: 3 },
      locate,
      when: new Date(0)
    }
    const out = r.redactDeep(report)
    expect(out).toEqual({
      headline: '*** and ***',
      run: { tests: [{ name: 'T', output: ['***'] }], n: 3 },
      locate,
      when: new Date(0)
    })
    expect(report.headline).toBe('one-secret and two-secret')
  })

  it('streams line by line, finding a value split across chunks, keeping line endings', async () => {
    const r = Redactor.from(['s3cr3t-value'])
    const chunks = ['a s3cr', '3t-value b\r\n', 'no secret\n', 'tail s3cr3t-value']
    let out = ''
    for await (const c of Readable.from(chunks).pipe(r.transform())) out += String(c)
    expect(out).toBe('a *** b\r\nno secret\ntail ***')
  })
})

describe('redactFile', () => {
  it('rewrites a large log in place, and leaves binary files alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-redact-'))
    const log = path.join(dir, 'tests.log')
    const line = 'connecting to postgres://app:hunter2-pw@db:5432 ✓\n'
    fs.writeFileSync(log, line.repeat(50_000))
    const r = Redactor.from(['hunter2-pw'])
    await redactFile(log, r)
    const text = fs.readFileSync(log, 'utf8')
    expect(text).not.toContain('hunter2-pw')
    expect(text.split('\n')[0]).toBe('connecting to postgres://app:***@db:5432 ✓')
    expect(text.length).toBe((line.length - 'hunter2-pw'.length + 3) * 50_000)
    await expect(redactFile(path.join(dir, 'missing.log'), r)).resolves.toBeUndefined()

    fs.mkdirSync(path.join(dir, 'sub'))
    fs.writeFileSync(path.join(dir, 'sub', 'results.json'), '{"m":"hunter2-pw"}')
    const binary = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('hunter2-pw')])
    fs.writeFileSync(path.join(dir, 'image.tar'), binary)
    const done = await redactDirectory(dir, r)
    expect(done.map((f) => path.relative(dir, f)).sort()).toEqual([
      path.join('sub', 'results.json'),
      'tests.log'
    ])
    expect(fs.readFileSync(path.join(dir, 'sub', 'results.json'), 'utf8')).toBe('{"m":"***"}')
    expect(fs.readFileSync(path.join(dir, 'image.tar'))).toEqual(binary)
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.redacting'))).toEqual([])
    fs.writeFileSync(path.join(dir, 'junit.xml'), 'hunter2-pw')
    expect(await redactDirectory(dir, r, ['junit.xml', 'tests.log'])).toEqual([
      path.join(dir, 'sub', 'results.json')
    ])
    expect(fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toBe('hunter2-pw')
  })
})
