import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { inspectTestCommand, parseImageConfig, testCommand } from '../../src/image/config.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const fixture = (name: string) => fs.readFileSync(`__fixtures__/docker/${name}.json`, 'utf8')
const commandOf = (name: string) => {
  const config = parseImageConfig(fixture(name))
  expect(config).toBeDefined()
  return testCommand(config!)
}

describe('parseImageConfig', () => {
  it('reads Docker < 26 configs, which write null for an unset ENTRYPOINT', () => {
    expect(parseImageConfig(fixture('config-cmd-only-legacy'))).toEqual({
      entrypoint: [],
      cmd: ['./integration-tests', '-test.v'],
      workingDir: '/app'
    })
  })

  it('reads Docker 26+ configs, which leave the empty fields out', () => {
    expect(parseImageConfig(fixture('config-cmd-only-buildkit'))).toEqual({
      entrypoint: [],
      cmd: ['./integration-tests', '-test.v'],
      workingDir: '/app'
    })
    expect(parseImageConfig(fixture('config-empty'))).toEqual({
      entrypoint: [],
      cmd: [],
      workingDir: undefined
    })
  })

  it('refuses what is not an image config', () => {
    expect(parseImageConfig('')).toBeUndefined()
    expect(parseImageConfig('null')).toBeUndefined()
    expect(parseImageConfig('[]')).toBeUndefined()
    expect(parseImageConfig('{"Entrypoint": "sh"}')).toBeUndefined()
    expect(parseImageConfig('{"Cmd": [1, 2]}')).toBeUndefined()
  })
})

describe('testCommand', () => {
  it("runs CMD's first word when the image has no ENTRYPOINT", () => {
    expect(commandOf('config-cmd-only-legacy')).toEqual(['./integration-tests'])
    expect(commandOf('config-cmd-only-buildkit')).toEqual(['./integration-tests'])
  })

  it("takes the binary from a shell-form CMD's script when it is a plain word", () => {
    expect(commandOf('config-cmd-shell-form')).toEqual(['./integration-tests'])
    const shell = (script: string) =>
      testCommand({ entrypoint: [], cmd: ['/bin/sh', '-c', script] })
    expect(shell('cd /app && ./tests -test.v')).toBeUndefined()
    expect(shell('./tests; echo done')).toBeUndefined()
    expect(shell('$BIN -test.v')).toBeUndefined()
  })

  it('changes nothing when the image has an ENTRYPOINT, or neither', () => {
    expect(commandOf('config-entrypoint')).toBeUndefined()
    expect(commandOf('config-empty')).toBeUndefined()
  })
})

describe('inspectTestCommand', () => {
  it('asks the local Docker for the config and says what the container will run', async () => {
    const exec = new FakeExec().on((c) => c.command === 'docker' && c.args[0] === 'image', {
      stdout: fixture('config-cmd-only-legacy')
    })
    const log = new FakeLogger()
    expect(await inspectTestCommand('acme/tests:0123456789ab', exec, log)).toEqual([
      './integration-tests'
    ])
    expect(exec.commandLines()).toEqual([
      'docker image inspect --format {{json .Config}} acme/tests:0123456789ab'
    ])
    expect(log.lines.find((l) => l.level === 'info')?.message).toMatch(
      /has no ENTRYPOINT.*"\.\/integration-tests" \(in \/app\)/
    )
  })

  it('skips with a debug line when the image is not local or there is no docker', async () => {
    const missing = new FakeExec().on(() => true, {
      exitCode: 1,
      stderr: 'Error: No such image: ghcr.io/acme/tests:v1'
    })
    const log = new FakeLogger()
    expect(await inspectTestCommand('ghcr.io/acme/tests:v1', missing, log)).toBeUndefined()
    const noDocker = {
      run: () => Promise.reject(new Error('Unable to locate executable file: docker'))
    }
    expect(await inspectTestCommand('ghcr.io/acme/tests:v1', noDocker, log)).toBeUndefined()
    expect(log.lines.map((l) => l.level)).toEqual(['debug', 'debug'])
  })
})
