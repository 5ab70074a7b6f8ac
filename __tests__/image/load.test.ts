import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  apiAtLeast,
  dockerSaveArgs,
  dockerVersions,
  loadImage,
  loadImages,
  savePlatform
} from '../../src/image/load.js'
import { TestImageStage } from '../../src/stages/image.js'
import { StageTimer } from '../../src/timing.js'
import type { ImageInputs } from '../../src/inputs/types.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeExec, type RecordedCall } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { elf } from './elf-fixture.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-load-'))

describe('docker save --platform', () => {
  it('compares API versions as numbers', () => {
    expect(apiAtLeast('1.48', '1.48')).toBe(true)
    expect(apiAtLeast('1.51', '1.48')).toBe(true)
    expect(apiAtLeast('2.0', '1.48')).toBe(true)
    expect(apiAtLeast('1.41', '1.48')).toBe(false)
    expect(apiAtLeast('1.5', '1.48')).toBe(false)
    expect(apiAtLeast('', '1.48')).toBe(false)
    expect(apiAtLeast(undefined, '1.48')).toBe(false)
    expect(apiAtLeast('<no value>', '1.48')).toBe(false)
  })

  it("takes the nodes' architecture, else the engine's, only where CLI and engine have the flag", () => {
    const new_ = { clientApi: '1.51', serverApi: '1.51', serverArch: 'amd64' }
    expect(savePlatform(new_, 'arm64')).toBe('linux/arm64')
    expect(savePlatform(new_)).toBe('linux/amd64')
    expect(savePlatform({ clientApi: '1.51', serverApi: '1.51' })).toBeUndefined()
    // Engine 20.10 (API 1.41) with CLI 28: the CLI speaks 1.41 with it and refuses the flag.
    expect(savePlatform({ clientApi: '1.41', serverApi: '1.41', serverArch: 'amd64' })).toBe(
      undefined
    )
    // An older CLI against a new engine.
    expect(savePlatform({ clientApi: '1.47', serverApi: '1.51' }, 'amd64')).toBeUndefined()
    expect(savePlatform({}, 'amd64')).toBeUndefined()
  })

  it('reads the versions from docker version, and none when the engine does not answer', async () => {
    const exec = new FakeExec().on((c) => c.args[0] === 'version', {
      stdout: '1.41 1.41 amd64\n'
    })
    expect(await dockerVersions(exec)).toEqual({
      clientApi: '1.41',
      serverApi: '1.41',
      serverArch: 'amd64'
    })
    const down = new FakeExec().on(() => true, { exitCode: 1, stderr: 'Cannot connect' })
    expect(await dockerVersions(down)).toEqual({})
  })

  it('puts the platform before the output and the image', () => {
    expect(dockerSaveArgs('a:b', '/w/a.tar', 'linux/arm64')).toEqual([
      'save',
      '--platform',
      'linux/arm64',
      '--output',
      '/w/a.tar',
      'a:b'
    ])
    expect(dockerSaveArgs('a:b', '/w/a.tar')).toEqual(['save', '--output', '/w/a.tar', 'a:b'])
  })
})

describe('loadImages (the service images)', () => {
  const ctx = { kind: '/opt/kind', clusterName: 'ict', workDir: '/tmp' }
  const images = ['local/argocd:v3', 'example/workflows:ci', 'local/postgres:15']

  it('loads them into kind in one call: one save, shared layers once', async () => {
    const exec = new FakeExec()
    await loadImages(images, { mode: 'kind' }, ctx, exec, new FakeLogger())
    expect(exec.commandLines()).toEqual([
      '/opt/kind load docker-image local/argocd:v3 example/workflows:ci local/postgres:15 --name ict'
    ])
  })

  it('loads them one by one when that fails, each with its own fallback', async () => {
    const exec = new FakeExec().on((c) => c.args.length > 5, {
      exitCode: 1,
      stderr: 'ERROR: failed to load image: content digest not found'
    })
    const log = new FakeLogger()
    await loadImages(images, { mode: 'kind' }, ctx, exec, log)
    expect(exec.commandLines().slice(1)).toEqual(
      images.map((i) => `/opt/kind load docker-image ${i} --name ict`)
    )
    expect(log.text('warning')).toMatch(/of 3 images failed .*content digest not found.*one by one/)
  })

  it('runs an image-load command once per image', async () => {
    const exec = new FakeExec()
    await loadImages(
      images,
      { mode: 'command', command: 'load {image}' },
      ctx,
      exec,
      new FakeLogger()
    )
    expect(exec.calls).toHaveLength(3)
  })
})

describe('loadImage through an archive (kind load docker-image failed)', () => {
  /**
   * Docker and kind as fakes: docker version answers `versions`, docker save writes the archive
   * (a part of it when `saveFails`), kind load image-archive answers `loadExit`.
   */
  function fakes(o: {
    versions: string
    saveFails?: (c: RecordedCall) => boolean
    loadExit?: number
  }) {
    const seen: string[] = []
    const exec = new FakeExec()
      .on((c) => c.args[1] === 'docker-image', { exitCode: 1, stderr: 'content digest not found' })
      .on((c) => c.command === 'docker' && c.args[0] === 'version', { stdout: o.versions })
      .on(
        (c) => c.command === 'docker' && c.args[0] === 'save',
        (c) => {
          fs.writeFileSync(c.args[c.args.indexOf('--output') + 1], 'tar')
          return o.saveFails?.(c) ? { exitCode: 1, stderr: 'no space left on device' } : {}
        }
      )
      .on(
        (c) => c.args[1] === 'image-archive',
        (c) => {
          seen.push(c.args[2])
          expect(fs.existsSync(c.args[2])).toBe(true)
          return { exitCode: o.loadExit ?? 0, stderr: 'ERROR: no nodes found' }
        }
      )
    return { exec, seen }
  }

  it("saves the nodes' platform with a new engine, and deletes the archive after loading", async () => {
    const workDir = tmp()
    const { exec, seen } = fakes({ versions: '1.51 1.51 amd64\n' })
    const ctx = { kind: 'kind', clusterName: 'ict', workDir, nodeArch: async () => 'arm64' }
    await loadImage('a/b:c', { mode: 'kind' }, ctx, exec, new FakeLogger())
    const archive = path.join(workDir, 'image-a_b_c.tar')
    expect(exec.commandLines()).toContain(
      `docker save --platform linux/arm64 --output ${archive} a/b:c`
    )
    expect(seen).toEqual([archive])
    expect(fs.readdirSync(workDir)).toEqual([])
  })

  it('saves without --platform on an engine older than API 1.48 (Docker 20.10)', async () => {
    const workDir = tmp()
    const { exec } = fakes({ versions: '1.41 1.41 amd64\n' })
    let asked = 0
    const nodeArch = async () => {
      asked++
      return 'amd64'
    }
    await loadImage(
      'a/b:c',
      { mode: 'kind' },
      { kind: 'kind', clusterName: 'ict', workDir, nodeArch },
      exec,
      new FakeLogger()
    )
    const saves = exec.commandLines().filter((l) => l.startsWith('docker save'))
    expect(saves).toEqual([`docker save --output ${workDir}/image-a_b_c.tar a/b:c`])
    expect(asked).toBe(1)
  })

  it("saves every platform when the image has none for the nodes' (built for another)", async () => {
    const workDir = tmp()
    const { exec } = fakes({
      versions: '1.51 1.51 amd64',
      saveFails: (c) => c.args.includes('--platform')
    })
    const log = new FakeLogger()
    await loadImage(
      'a/b:c',
      { mode: 'kind' },
      { kind: 'kind', clusterName: 'ict', workDir },
      exec,
      log
    )
    expect(exec.commandLines().filter((l) => l.startsWith('docker save'))).toHaveLength(2)
    expect(log.text('warning')).toMatch(
      /docker save --platform linux\/amd64 a\/b:c failed \(no space left on device\); saving every platform instead/
    )
    expect(fs.readdirSync(workDir)).toEqual([])
  })

  it('deletes the archive when kind cannot load it', async () => {
    const workDir = tmp()
    const { exec, seen } = fakes({ versions: '1.41 1.41 amd64', loadExit: 1 })
    await expect(
      loadImage(
        'a/b:c',
        { mode: 'kind' },
        { kind: 'kind', clusterName: 'ict', workDir },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow('Loading a/b:c into kind failed: ERROR: no nodes found')
    expect(seen).toHaveLength(1)
    expect(fs.readdirSync(workDir)).toEqual([])
  })

  it('deletes the part a failed save wrote', async () => {
    const workDir = tmp()
    const { exec, seen } = fakes({ versions: '1.41 1.41 amd64', saveFails: () => true })
    await expect(
      loadImage(
        'a/b:c',
        { mode: 'kind' },
        { kind: 'kind', clusterName: 'ict', workDir },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow('docker save a/b:c failed: no space left on device')
    expect(seen).toEqual([])
    expect(fs.readdirSync(workDir)).toEqual([])
  })
})

describe("go-package's archive", () => {
  const machine = process.arch === 'arm64' ? 183 : 62
  const inputs = (load: ImageInputs['load']): ImageInputs => ({
    dockerfile: 'Dockerfile',
    context: '/src',
    buildArgs: {},
    buildSecrets: {},
    repository: 'acme/t',
    goPackage: { pkg: './tests', coverFlags: [], buildFlags: [] },
    load
  })
  /** A `go test -c` that writes a static binary, and a kind that loads or not. */
  const exec = (loadExit: number) =>
    new FakeExec()
      .on(
        (c) => c.command === 'go',
        (c) => {
          fs.writeFileSync(c.args[c.args.indexOf('-o') + 1], elf({ machine, phTypes: [6, 1] }))
          return {}
        }
      )
      .on((c) => c.args[1] === 'image-archive', { exitCode: loadExit, stderr: 'no nodes' })
  const archives = (workDir: string) =>
    fs.readdirSync(path.join(workDir, 'go-package')).filter((f) => f.endsWith('.tar'))

  async function stage(loadExit: number) {
    const outputDir = tmp()
    const workDir = tmp()
    const s = new TestImageStage(
      inputs({ mode: 'kind' }),
      { outputDir, workDir },
      { exec: exec(loadExit), log: new FakeLogger(), timer: new StageTimer(new FakeClock()) }
    )
    await s.built
    expect(archives(workDir)).toHaveLength(1)
    return { s, workDir, ctx: { kind: 'kind', clusterName: 'ict', workDir } }
  }

  it('is deleted once loaded', async () => {
    const { s, workDir, ctx } = await stage(0)
    await s.load(ctx)
    expect(archives(workDir)).toEqual([])
  })

  it('is deleted when the load fails', async () => {
    const { s, workDir, ctx } = await stage(1)
    await expect(s.load(ctx)).rejects.toThrow(/kind load image-archive of acme\/t:.* failed/)
    expect(archives(workDir)).toEqual([])
  })

  it('is deleted when the run ends before loading (the cluster failed)', async () => {
    const { s, workDir } = await stage(0)
    await s.settled()
    expect(archives(workDir)).toEqual([])
  })
})
