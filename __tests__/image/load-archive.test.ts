import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { customLoadCommand, loadImage, loadImageArchive } from '../../src/image/load.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-loadar-'))
const ctx = { kind: 'kind', clusterName: 'ict', workDir: '/w' }

describe('loadImageArchive', () => {
  it('never lets an archive path become shell syntax', () => {
    const dir = tmp()
    const out = path.join(dir, 'out')
    const hostile = path.join(dir, '$(touch pwned) `id`;x.tar')
    execFileSync('bash', ['-c', customLoadCommand(`printf '%s|%s' {archive} {image} > ${out}`)], {
      cwd: dir,
      env: { ...process.env, IN_CLUSTER_TEST_ARCHIVE: hostile, IN_CLUSTER_TEST_IMAGE: 'a:b' }
    })
    expect(fs.readFileSync(out, 'utf8')).toBe(`${hostile}|a:b`)
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false)
  })

  it('loads into kind with kind load image-archive', async () => {
    const exec = new FakeExec()
    await loadImageArchive('/w/i.tar', 'r:abc', { mode: 'kind' }, ctx, exec, new FakeLogger())
    expect(exec.commandLines()).toEqual(['kind load image-archive /w/i.tar --name ict'])
  })

  it('reports a failed kind load', async () => {
    const exec = new FakeExec().on(() => true, { exitCode: 1, stderr: 'ERROR: no nodes found' })
    await expect(
      loadImageArchive('/w/i.tar', 'r:abc', { mode: 'kind' }, ctx, exec, new FakeLogger())
    ).rejects.toThrow(/kind load image-archive of r:abc failed: ERROR: no nodes found/)
    await expect(
      loadImageArchive(
        '/w/i.tar',
        'r:abc',
        { mode: 'kind' },
        { clusterName: 'x', workDir: '/w' },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow(/needs a kind cluster/)
  })

  it('passes the archive and the image to a command that takes {archive}, without Docker', async () => {
    const exec = new FakeExec()
    await loadImageArchive(
      '/w/i.tar',
      'r:abc',
      { mode: 'command', command: 'bash load-image.sh {archive} {image}' },
      ctx,
      exec,
      new FakeLogger()
    )
    expect(exec.calls).toHaveLength(1)
    expect(exec.calls[0]).toMatchObject({
      command: 'bash',
      args: [
        '-o',
        'pipefail',
        '-c',
        'bash load-image.sh "$IN_CLUSTER_TEST_ARCHIVE" "$IN_CLUSTER_TEST_IMAGE"'
      ],
      options: { env: { IN_CLUSTER_TEST_IMAGE: 'r:abc', IN_CLUSTER_TEST_ARCHIVE: '/w/i.tar' } }
    })
  })

  it('docker-loads the archive first for a command written for Docker images', async () => {
    const exec = new FakeExec()
    const log = new FakeLogger()
    await loadImageArchive(
      '/w/i.tar',
      'r:abc',
      { mode: 'command', command: 'docker save {image} | ctr -n k8s.io images import -' },
      ctx,
      exec,
      log
    )
    expect(exec.commandLines()[0]).toBe('docker load --input /w/i.tar')
    expect(exec.calls[1].command).toBe('bash')
    expect(log.text('info')).toMatch(/put \{archive\} in the command to skip Docker/)
  })

  it('refuses none: no registry has the packed image', async () => {
    await expect(
      loadImageArchive('/w/i.tar', 'r:abc', { mode: 'none' }, ctx, new FakeExec(), new FakeLogger())
    ).rejects.toThrow(/image-load 'none' cannot load r:abc: .*\{archive\}/)
  })

  it('gives a Docker image an empty {archive}, so one template serves both paths', async () => {
    const exec = new FakeExec()
    await loadImage(
      'r:abc',
      { mode: 'command', command: 'bash load-image.sh {archive} {image}' },
      ctx,
      exec,
      new FakeLogger()
    )
    expect(exec.calls[0].options?.env).toEqual({
      IN_CLUSTER_TEST_IMAGE: 'r:abc',
      IN_CLUSTER_TEST_ARCHIVE: ''
    })
  })
})
