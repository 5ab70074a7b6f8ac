import { describe, expect, it } from '@jest/globals'
import { SecretValues } from '../../src/secrets/secrets.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

describe('SecretValues', () => {
  it('masks each value (and each line) once, and redacts all of them', () => {
    const log = new FakeLogger()
    const secrets = new SecretValues(log)
      .addRawInput('PIN: 007\nKEY: |\n  line-one-xx\n  line-two-xx')
      .add(['007', '', 'line-one-xx\nline-two-xx\n'])
      .add(['007'])
    expect(log.secrets).toEqual([
      '007',
      'line-one-xx',
      'line-two-xx',
      '007',
      'line-one-xx\nline-two-xx\n',
      'line-one-xx\nline-two-xx',
      'line-one-xx',
      'line-two-xx'
    ])
    expect(secrets.size).toBe(2)
    expect(secrets.redactor.redact('pin 007, key line-two-xx')).toBe('pin ***, key ***')
    secrets.add(['from-the-cluster'])
    expect(secrets.redactor.redact('from-the-cluster')).toBe('***')
  })
})
