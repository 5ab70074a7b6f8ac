import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import {
  authKey,
  digestReference,
  dockerConfigJson,
  loginArgs,
  parsePushDigest,
  parseRepoDigests,
  pushArgs,
  pushImage,
  pushTarget
} from '../../src/image/push.js'
import type { Registry } from '../../src/inputs/types.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const fixture = (name: string) => fs.readFileSync(`__fixtures__/docker/${name}`, 'utf8')
const DIGEST = 'sha256:' + '4d'.repeat(32)
const PASSWORD = 'gh0-s3cr3t-t0ken'
const registry: Registry = {
  prefix: 'ghcr.io/acme',
  host: 'ghcr.io',
  credentials: { username: 'ci-bot', password: PASSWORD }
}

describe('push argv and digests', () => {
  it('names the pushed image under the registry by the image name and content tag', () => {
    expect(pushTarget('ghcr.io/acme', 'in-cluster-test/tests:0123456789ab')).toBe(
      'ghcr.io/acme/tests:0123456789ab'
    )
    expect(pushTarget('10.200.0.1:5000/tests', 'localhost:5000/x/svc-tests:0123456789ab')).toBe(
      '10.200.0.1:5000/tests/svc-tests:0123456789ab'
    )
    expect(() => pushTarget('ghcr.io/acme', 'localhost:5000/tests')).toThrow(/no tag/)
    expect(digestReference('10.200.0.1:5000/tests/tests:0123456789ab', DIGEST)).toBe(
      `10.200.0.1:5000/tests/tests@${DIGEST}`
    )
  })

  it('logs in with the password on stdin, never in argv', () => {
    expect(loginArgs('ghcr.io', 'ci-bot')).toEqual([
      'login',
      'ghcr.io',
      '--username',
      'ci-bot',
      '--password-stdin'
    ])
    expect(pushArgs('ghcr.io/acme/tests:0123456789ab')).toEqual([
      'push',
      'ghcr.io/acme/tests:0123456789ab'
    ])
  })

  it("reads the digest from docker push's output", () => {
    expect(parsePushDigest(fixture('push-local-registry.txt'), 'latest')).toBe(
      'sha256:69704ef328d05a9f806b6b8502915e6a0a4faa4d72018dc42343f511490daf8a'
    )
    expect(parsePushDigest(fixture('push-layers-exist.txt'), 'latest')).toBe(
      'sha256:d8e24887f78ff552f9a2d0c800cf1572e3a46a6e2b657194a6fa44b0985bb8e5'
    )
    // Another tag's line, a short digest or no line at all: not this push's digest.
    expect(parsePushDigest(fixture('push-local-registry.txt'), '0123456789ab')).toBeUndefined()
    expect(parsePushDigest('v1: digest: sha256:abc size: 528', 'v1')).toBeUndefined()
    expect(parsePushDigest('', 'v1')).toBeUndefined()
    expect(parsePushDigest(`v1: digest: ${DIGEST} size: 528\r\n`, 'v1')).toBe(DIGEST)
  })

  it("reads the digest of the pushed repository from docker image inspect's RepoDigests", () => {
    const other = 'sha256:' + '0a'.repeat(32)
    const json = JSON.stringify([`ghcr.io/other/tests@${other}`, `ghcr.io/acme/tests@${DIGEST}`])
    expect(parseRepoDigests(json, 'ghcr.io/acme/tests:0123456789ab')).toBe(DIGEST)
    expect(parseRepoDigests(json, 'ghcr.io/acme/nope:0123456789ab')).toBeUndefined()
    // Docker Hub's names carry no docker.io/ in RepoDigests.
    expect(parseRepoDigests(`["acme/tests@${DIGEST}"]`, 'docker.io/acme/tests:1')).toBe(DIGEST)
    expect(parseRepoDigests(`["acme/tests@${DIGEST}"]`, 'acme/tests:1')).toBe(DIGEST)
    expect(parseRepoDigests('null', 'acme/tests:1')).toBeUndefined()
    expect(parseRepoDigests('not json', 'acme/tests:1')).toBeUndefined()
  })

  it('writes a Docker config with base64(user:password) as auth, the password nowhere plain', () => {
    const config = JSON.parse(dockerConfigJson('10.200.0.1:5000', registry.credentials!))
    expect(config).toEqual({
      auths: {
        '10.200.0.1:5000': { auth: Buffer.from(`ci-bot:${PASSWORD}`).toString('base64') }
      }
    })
    expect(dockerConfigJson('ghcr.io', registry.credentials!)).not.toContain(PASSWORD)
    expect(authKey('docker.io')).toBe('https://index.docker.io/v1/')
    expect(authKey('ghcr.io')).toBe('ghcr.io')
  })
})

describe('pushImage (fake docker)', () => {
  const pushed = (c: { args: string[] }) => c.args[0] === 'push'

  it('tags, logs in, pushes, logs out and returns the image by digest', async () => {
    const exec = new FakeExec().on(pushed, {
      stdout: `The push refers to repository [ghcr.io/acme/tests]\n0123456789ab: digest: ${DIGEST} size: 528\n`
    })
    const log = new FakeLogger()
    const logins: Array<[string, boolean]> = []
    const ref = await pushImage(
      'in-cluster-test/tests:0123456789ab',
      { registry, onLogin: (h, on) => logins.push([h, on]) },
      exec,
      log
    )
    expect(ref).toBe(`ghcr.io/acme/tests@${DIGEST}`)
    expect(exec.commandLines()).toEqual([
      'docker tag in-cluster-test/tests:0123456789ab ghcr.io/acme/tests:0123456789ab',
      'docker login ghcr.io --username ci-bot --password-stdin',
      'docker push ghcr.io/acme/tests:0123456789ab',
      'docker logout ghcr.io'
    ])
    expect(exec.calls[1].options?.input).toBe(PASSWORD)
    expect(logins).toEqual([
      ['ghcr.io', true],
      ['ghcr.io', false]
    ])
    // The password is only ever stdin: in no argv, environment or logged line.
    for (const c of exec.calls)
      expect(JSON.stringify([c.command, c.args, c.options?.env])).not.toContain(PASSWORD)
    expect(JSON.stringify(log.lines)).not.toContain(PASSWORD)
  })

  it("docker loads go-package's archive first, and asks inspect when push names no digest", async () => {
    const exec = new FakeExec()
      .on(pushed, { stdout: 'The push refers to repository [10.200.0.1:5000/tests/tests]\n' })
      .on((c) => c.args[0] === 'image', {
        stdout: JSON.stringify([`10.200.0.1:5000/tests/tests@${DIGEST}`]) + '\n'
      })
    const ref = await pushImage(
      'in-cluster-test/tests:0123456789ab',
      {
        registry: { prefix: '10.200.0.1:5000/tests', host: '10.200.0.1:5000' },
        archive: '/w/image.tar'
      },
      exec,
      new FakeLogger()
    )
    expect(ref).toBe(`10.200.0.1:5000/tests/tests@${DIGEST}`)
    // No credentials: no login, no logout.
    expect(exec.commandLines()).toEqual([
      'docker load --input /w/image.tar',
      'docker tag in-cluster-test/tests:0123456789ab 10.200.0.1:5000/tests/tests:0123456789ab',
      'docker push 10.200.0.1:5000/tests/tests:0123456789ab',
      'docker image inspect --format {{json .RepoDigests}} 10.200.0.1:5000/tests/tests:0123456789ab'
    ])
  })

  it('logs out even when the push fails, and says what failed', async () => {
    const exec = new FakeExec().on(pushed, {
      exitCode: 1,
      stderr: 'denied: permission_denied: write_package\n'
    })
    const logins: Array<[string, boolean]> = []
    await expect(
      pushImage(
        'in-cluster-test/tests:0123456789ab',
        { registry, onLogin: (h, on) => logins.push([h, on]) },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow(/docker push ghcr.io\/acme\/tests:0123456789ab failed \(exit 1\): denied/)
    expect(exec.commandLines().at(-1)).toBe('docker logout ghcr.io')
    expect(logins.at(-1)).toEqual(['ghcr.io', false])
  })

  it('stops at a failed login, without the password in the error', async () => {
    const exec = new FakeExec().on((c) => c.args[0] === 'login', {
      exitCode: 1,
      stderr: 'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied\n'
    })
    const error = await pushImage(
      'in-cluster-test/tests:0123456789ab',
      { registry },
      exec,
      new FakeLogger()
    ).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/^docker login ghcr.io as ci-bot failed \(exit 1\)/)
    expect((error as Error).message).not.toContain(PASSWORD)
    expect(exec.calls.some(pushed)).toBe(false)
  })

  it('suggests credentials when an anonymous push is refused', async () => {
    const exec = new FakeExec().on(pushed, {
      exitCode: 1,
      stderr: 'unauthorized: authentication required\n'
    })
    await expect(
      pushImage(
        'in-cluster-test/tests:0123456789ab',
        { registry: { prefix: 'ghcr.io/acme', host: 'ghcr.io' } },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow(/Give registry-username and registry-password/)
  })
})
