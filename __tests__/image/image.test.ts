import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { buildImage, contentTag, dockerBuildArgs } from '../../src/image/build.js'
import { customLoadCommand, loadImage } from '../../src/image/load.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-image-'))
const ID = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'

describe('image build', () => {
  it('tags by content, never latest', () => {
    expect(contentTag('acme/tests', ID + '\n')).toBe('acme/tests:0123456789ab')
    expect(() => contentTag('acme/tests', 'garbage')).toThrow(/unexpected image ID/)
  })

  it('passes build args as single arguments', () => {
    const args = dockerBuildArgs(
      {
        dockerfile: '/w/Dockerfile.test',
        context: '/w',
        buildArgs: { GO: '1.26', EVIL: 'x --push' },
        repository: 'r',
        workDir: '/t'
      },
      '/t/iid'
    )
    expect(args).toEqual([
      'build',
      '--file',
      '/w/Dockerfile.test',
      '--iidfile',
      '/t/iid',
      '--build-arg',
      'GO=1.26',
      '--build-arg',
      'EVIL=x --push',
      '--label',
      'org.opencontainers.image.title=in-cluster-test',
      '/w'
    ])
  })

  it('builds, reads the image ID and tags the image', async () => {
    const workDir = tmp()
    const exec = new FakeExec().on(
      (c) => c.args[0] === 'build',
      (c) => {
        fs.writeFileSync(c.args[c.args.indexOf('--iidfile') + 1], ID)
        return {}
      }
    )
    const image = await buildImage(
      { dockerfile: 'D', context: '.', buildArgs: {}, repository: 'acme/tests', workDir },
      exec,
      new FakeLogger()
    )
    expect(image).toBe('acme/tests:0123456789ab')
    expect(exec.commandLines().at(-1)).toBe(`docker tag ${ID} acme/tests:0123456789ab`)
  })

  it('reports the end of the build output on failure', async () => {
    const exec = new FakeExec().on((c) => c.args[0] === 'build', {
      exitCode: 1,
      stderr: 'step 3\nCOPY failed: file not found'
    })
    await expect(
      buildImage(
        { dockerfile: 'D', context: '.', buildArgs: {}, repository: 'r', workDir: tmp() },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow(/docker build of D failed \(exit 1\): step 3 \| COPY failed: file not found/)
  })
})

describe('image load', () => {
  it('never lets the image name become shell syntax in a custom command', () => {
    const dir = tmp()
    const out = path.join(dir, 'out')
    const command = customLoadCommand(`printf '%s' {image} > ${out}`)
    const hostile = '$(touch ' + path.join(dir, 'pwned') + ')`id`;echo x'
    execFileSync('bash', ['-c', command], {
      env: { ...process.env, IN_CLUSTER_TEST_IMAGE: hostile }
    })
    expect(fs.readFileSync(out, 'utf8')).toBe(hostile)
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false)
  })

  it('runs the custom command with pipefail and the image in the environment', async () => {
    const exec = new FakeExec()
    await loadImage(
      'a/b:c',
      { mode: 'command', command: 'docker save {image} | import' },
      { clusterName: 'x', workDir: tmp() },
      exec,
      new FakeLogger()
    )
    expect(exec.calls[0]).toMatchObject({
      command: 'bash',
      args: ['-o', 'pipefail', '-c', 'docker save "$IN_CLUSTER_TEST_IMAGE" | import'],
      options: { env: { IN_CLUSTER_TEST_IMAGE: 'a/b:c' } }
    })
  })

  it('falls back to an image archive when kind load docker-image fails', async () => {
    const workDir = tmp()
    const exec = new FakeExec().on((c) => c.args[1] === 'docker-image', {
      exitCode: 1,
      stderr: 'ctr: content digest sha256:abc: not found'
    })
    const log = new FakeLogger()
    await loadImage(
      'a/b:c',
      { mode: 'kind' },
      { kind: 'kind', clusterName: 'ict', workDir },
      exec,
      log
    )
    expect(exec.commandLines()).toEqual([
      'kind load docker-image a/b:c --name ict',
      'docker version --format {{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.Arch}}',
      `docker save --output ${workDir}/image-a_b_c.tar a/b:c`,
      `kind load image-archive ${workDir}/image-a_b_c.tar --name ict`
    ])
    expect(log.text('warning')).toMatch(/retrying through an image archive/)
  })

  it('does nothing for none', async () => {
    const exec = new FakeExec()
    await loadImage(
      'a/b:c',
      { mode: 'none' },
      { clusterName: 'x', workDir: tmp() },
      exec,
      new FakeLogger()
    )
    expect(exec.calls).toEqual([])
  })
})
