import { describe, expect, it } from '@jest/globals'
import {
  parseDeploySecrets,
  parseSecretEnv,
  rawInputMasks,
  secretMasks,
  secretObjectValues,
  SecretInputError
} from '../../src/secrets/parse.js'

const PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
  '-----END PRIVATE KEY-----'
]

function errorOf(fn: () => unknown): SecretInputError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SecretInputError)
    return e as SecretInputError
  }
  throw new Error('expected a SecretInputError')
}

describe('parseSecretEnv', () => {
  it('keeps every value byte-exact: no YAML typing', () => {
    const input = [
      'PIN: 007',
      'HEX: 0x1F',
      'TILDE: ~',
      'NULL: null',
      'BOOL: yes',
      'COMMENT: abc #def',
      'ALIAS: *alias',
      'ANCHOR: &anchor value',
      'TAG: !tag value',
      'FLOAT: 12345678901234567890',
      'DATE: 2026-12-01',
      'FLOW: {a: b}',
      'LIST: [x',
      'URL: postgres://u:p@h:5432/db?sslmode=disable',
      'SPACES: two  inner  and trailing  ',
      'EMPTY:',
      'EQ=a=b: c',
      'QUOTED_EQ="kept"',
      'DQ: "p@ss: word #1"',
      "SQ: 'it''s'",
      'HALF: "open'
    ].join('\n')
    expect(parseSecretEnv(input)).toEqual({
      PIN: '007',
      HEX: '0x1F',
      TILDE: '~',
      NULL: 'null',
      BOOL: 'yes',
      COMMENT: 'abc #def',
      ALIAS: '*alias',
      ANCHOR: '&anchor value',
      TAG: '!tag value',
      FLOAT: '12345678901234567890',
      DATE: '2026-12-01',
      FLOW: '{a: b}',
      LIST: '[x',
      URL: 'postgres://u:p@h:5432/db?sslmode=disable',
      SPACES: 'two  inner  and trailing  ',
      EMPTY: '',
      EQ: 'a=b: c',
      QUOTED_EQ: '"kept"',
      DQ: 'p@ss: word #1',
      SQ: "it''s",
      HALF: '"open'
    })
  })

  it('reads NAME=value lines, comments, blank lines and CRLF', () => {
    expect(parseSecretEnv('# the db\r\nA=1\r\n\r\nB= leading blank kept\r\n')).toEqual({
      A: '1',
      B: ' leading blank kept'
    })
    expect(parseSecretEnv('')).toEqual({})
  })

  it('reads a PEM block byte-exact minus its indentation', () => {
    const input = ['KEY: |', ...PEM.map((l) => `  ${l}`), 'NEXT: 1'].join('\n')
    expect(parseSecretEnv(input)).toEqual({ KEY: PEM.join('\n') + '\n', NEXT: '1' })
    const strip = ['KEY: |-', ...PEM.map((l) => `    ${l}`), '', ''].join('\n')
    expect(parseSecretEnv(strip)).toEqual({ KEY: PEM.join('\n') })
    const keep = ['KEY: |+', '  a', '', '', 'B: 1'].join('\n')
    expect(parseSecretEnv(keep)).toEqual({ KEY: 'a\n\n\n', B: '1' })
  })

  it('keeps deeper indentation, blank lines and # inside a block', () => {
    const input = ['J: |', '  {', '    "k": "v #1"', '', '  # not a comment', '  }'].join('\n')
    expect(parseSecretEnv(input).J).toBe('{\n  "k": "v #1"\n\n# not a comment\n}\n')
  })

  it('names the input and the line, and never quotes a value or an unparsed name', () => {
    const cases: Array<[string, RegExp]> = [
      ['A: 1\nhunter2', /^Input 'secret-env': line 2 is not NAME: value or NAME=value/],
      ['A: 1\n\nhun ter2: x', /line 3: the text before ':' is not a valid variable name/],
      ['A: 1\nA: hunter2', /line 2: A is given again \(first on line 1\)/],
      ['A:hunter2', /line 1: put a blank after 'A:'/],
      ['A: >\n  hunter2', /line 1: the value of A uses a YAML block form that is not supported/],
      ['A: |\n    hunter2\n  hunter3', /line 3: a line of the multi-line value of A is indented/],
      ['A: |\nB: hunter2', /line 1: A: \| has no indented lines/]
    ]
    for (const [input, message] of cases) {
      const e = errorOf(() => parseSecretEnv(input))
      expect(e.input).toBe('secret-env')
      expect(e.message).toMatch(message)
      expect(e.message).not.toMatch(/hunter|hun ter/)
    }
    expect(errorOf(() => parseSecretEnv('x', 'env')).message).toMatch(/^Input 'env': line 1/)
  })
})

describe('parseDeploySecrets', () => {
  it('reads the documented shape: name or namespace/name, then indented KEY: value', () => {
    const input = [
      'db-credentials:',
      '  POSTGRES_PASSWORD: 007',
      '  PORT: 5432',
      '  # comment',
      'other/api:',
      '  TOKEN=*x',
      '  tls.key: |',
      ...PEM.map((l) => `    ${l}`),
      '  after: ~'
    ].join('\n')
    expect(parseDeploySecrets(input)).toEqual([
      {
        name: 'db-credentials',
        namespace: undefined,
        data: { POSTGRES_PASSWORD: '007', PORT: '5432' }
      },
      {
        name: 'api',
        namespace: 'other',
        data: { TOKEN: '*x', 'tls.key': PEM.join('\n') + '\n', after: '~' }
      }
    ])
    expect(parseDeploySecrets('')).toEqual([])
    // An untrimmed input, every line indented alike.
    expect(parseDeploySecrets('\n    db:\n      A: 007\n')).toEqual([
      { name: 'db', namespace: undefined, data: { A: '007' } }
    ])
  })

  it('refuses what it cannot read, naming the line and never a value', () => {
    const cases: Array<[string, RegExp]> = [
      ['db: plain-value', /line 1: db must be a map of KEY: value/],
      ['db: {PASSWORD: hunter2}', /line 1: db must be a map of KEY: value/],
      ['db:', /line 1: db must be a map of KEY: value, with at least one/],
      ['  PASSWORD: hunter2', /line 1: the text before ':' is not a Secret name/],
      ['  db:\n    A: b\nc:\n  D: e', /line 3 should name a Secret/],
      ['db:\n  PASSWORD: a\nhunter2', /line 3 should name a Secret/],
      ['Hunter2:\n  A: b', /line 1: the text before ':' is not a Secret name/],
      ['db:\n  A: 1\ndb:\n  B: 2', /line 3: db is given again \(first on line 1\)/],
      ['db:\n  A: 1\n  A: hunter2', /line 3: A is given again in db/],
      ['db:\n  bad key: hunter2', /line 2: the text before ':' is not a valid Secret key/]
    ]
    for (const [input, message] of cases) {
      const e = errorOf(() => parseDeploySecrets(input))
      expect(e.input).toBe('deploy-secrets')
      expect(e.message).toMatch(message)
      expect(e.message.toLowerCase()).not.toContain('hunter2')
    }
  })
})

describe('masks', () => {
  it('masks a value whole, and each line of a multi-line value', () => {
    expect(secretMasks('s3cret')).toEqual(['s3cret'])
    expect(secretMasks('')).toEqual([])
    expect(secretMasks('  ')).toEqual([])
    expect(secretMasks(' padded ')).toEqual([' padded ', 'padded'])
    const pem = PEM.join('\n') + '\n'
    expect(secretMasks(pem)).toEqual([pem, PEM.join('\n'), ...PEM])
    // Braces alone would mask every brace in the log.
    expect(secretMasks('{\n  "private_key": "abcd"\n}')).toEqual([
      '{\n  "private_key": "abcd"\n}',
      '"private_key": "abcd"'
    ])
  })

  it('masks the raw lines of an input before it is parsed', () => {
    const raw = [
      'PIN: 007',
      'DQ: "p w"',
      'KEY: |',
      '  line-one-of-key',
      '  YWJjZGVmZ2g==',
      '  ab',
      'hunter2-on-its-own',
      'URL: x://a:b@c',
      '# comment',
      'db:'
    ].join('\n')
    expect(rawInputMasks(raw)).toEqual([
      '007',
      '"p w"',
      'p w',
      'line-one-of-key',
      'YWJjZGVmZ2g==',
      'hunter2-on-its-own',
      'x://a:b@c'
    ])
  })

  it('reads the values of a Secret from the cluster', () => {
    expect(
      secretObjectValues({
        data: { a: Buffer.from('pa55\nword').toString('base64') },
        stringData: { b: 'x' }
      })
    ).toEqual(['pa55\nword', 'x'])
    expect(secretObjectValues({})).toEqual([])
  })
})
