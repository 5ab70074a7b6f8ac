import { describe, expect, it } from '@jest/globals'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { containerdName, layerFrame, packImage } from '../../src/image/pack.js'
import { padding, tarFile, tarHeader } from '../../src/image/tar.js'
import { checkArchive } from './archive-check.js'
import { readTar } from './read-tar.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-pack-'))

function fakeBinary(dir: string, size: number, seed = 'x'): string {
  const file = path.join(dir, `bin-${size}-${seed}`)
  const bytes = Buffer.alloc(size)
  // Pseudo-random but repeatable content, so the digests of one size and seed never change.
  for (let i = 0; i < size; i += 32) {
    crypto
      .createHash('sha256')
      .update(`${seed}${i}`)
      .digest()
      .copy(bytes, i, 0, Math.min(32, size - i))
  }
  fs.writeFileSync(file, bytes, { mode: 0o755 })
  return file
}

describe('tar pieces', () => {
  it('writes headers tar reads back, with the checksum right', () => {
    const entries = readTar(
      Buffer.concat([tarFile('a/b.txt', Buffer.from('hello'), 0), Buffer.alloc(1024)])
    )
    expect(entries).toMatchObject([{ name: 'a/b.txt', mode: 0o644, size: 5, type: '0' }])
    expect(entries[0].content.toString()).toBe('hello')
    expect(padding(512).length).toBe(0)
    expect(padding(513).length).toBe(511)
  })

  it('refuses what ustar cannot hold instead of writing a broken header', () => {
    expect(() =>
      tarHeader({ name: 'x'.repeat(101), mode: 0o644, size: 0, type: 'file', mtime: 0 })
    ).toThrow(/1 to 100 bytes/)
    expect(() =>
      tarHeader({ name: 'big', mode: 0o644, size: 8 * 1024 ** 3, type: 'file', mtime: 0 })
    ).toThrow(/size .* does not fit/)
  })

  it('frames the layer: parents of a nested entrypoint, the binary, /tmp', () => {
    const f = layerFrame('app/bin/t', 3)
    const layer = readTar(Buffer.concat([f.before, Buffer.from('abc'), f.after]))
    expect(layer.map((e) => [e.name, e.mode.toString(8), e.type])).toEqual([
      ['app/', '755', '5'],
      ['app/bin/', '755', '5'],
      ['app/bin/t', '755', '0'],
      ['tmp/', '1777', '5']
    ])
    expect(f.size).toBe(f.before.length + 3 + f.after.length)
  })
})

describe('packImage', () => {
  it('writes one archive for docker load and containerd, content-addressed', async () => {
    const dir = tmp()
    for (const size of [0, 1, 512, 1_500_000]) {
      const binary = fakeBinary(dir, size)
      const packed = await packImage({
        binary,
        repository: 'acme/tests',
        outDir: path.join(dir, 'out'),
        arch: 'amd64'
      })
      expect(packed.image).toMatch(/^acme\/tests:[a-f0-9]{12}$/)
      expect(packed.image.slice(-12)).toBe(packed.config.digest.slice(7, 19))
      const a = checkArchive(packed.archive)
      expect(a.image).toBe(packed.image)
      expect(a.entries).toEqual([
        'blobs/',
        'blobs/sha256/',
        'blobs/sha256/' + packed.layer.digest.slice(7),
        'blobs/sha256/' + packed.config.digest.slice(7),
        'blobs/sha256/' + packed.manifest.digest.slice(7),
        'index.json',
        'manifest.json',
        'oci-layout'
      ])
      expect(a.config).toMatchObject({
        architecture: 'amd64',
        os: 'linux',
        created: '1970-01-01T00:00:00Z',
        config: { Entrypoint: ['/integration.test'], Cmd: ['-test.v'], WorkingDir: '/tmp' }
      })
      expect(a.layer.map((e) => [e.name, e.mode.toString(8), e.size])).toEqual([
        ['integration.test', '755', size],
        ['tmp/', '1777', 0]
      ])
      expect(a.layer[0].content.equals(fs.readFileSync(binary))).toBe(true)
    }
  })

  it('gives the same tag for the same binary and another for a changed one', async () => {
    const dir = tmp()
    const pack = (binary: string, outDir: string) =>
      packImage({ binary, repository: 'r', outDir: path.join(dir, outDir), arch: 'arm64' })
    const one = await pack(fakeBinary(dir, 100_000, 'a'), 'o1')
    const again = await pack(fakeBinary(dir, 100_000, 'a'), 'o2')
    const other = await pack(fakeBinary(dir, 100_000, 'b'), 'o3')
    expect(again.image).toBe(one.image)
    expect(fs.readFileSync(again.archive).equals(fs.readFileSync(one.archive))).toBe(true)
    expect(other.image).not.toBe(one.image)
    expect(checkArchive(one.archive).config.architecture).toBe('arm64')
    expect(fs.readdirSync(path.join(dir, 'o1'))).toEqual([path.basename(one.archive)])
  })

  it('leaves no partial archive behind when it fails', async () => {
    const dir = tmp()
    await expect(
      packImage({
        binary: path.join(dir, 'missing'),
        repository: 'r',
        outDir: path.join(dir, 'o'),
        arch: 'amd64'
      })
    ).rejects.toThrow(/ENOENT/)
    await expect(
      packImage({
        binary: fakeBinary(dir, 10),
        repository: 'r',
        outDir: path.join(dir, 'o'),
        arch: 'amd64',
        entrypoint: '/tmp/x'
      })
    ).rejects.toThrow(/outside \/tmp/)
    expect(fs.readdirSync(path.join(dir, 'o'))).toEqual([])
  })

  it('names images as containerd stores them', () => {
    expect(containerdName('tests:abc')).toBe('docker.io/library/tests:abc')
    expect(containerdName('acme/tests:abc')).toBe('docker.io/acme/tests:abc')
    expect(containerdName('localhost/tests:abc')).toBe('localhost/tests:abc')
    expect(containerdName('ghcr.io/acme/tests:abc')).toBe('ghcr.io/acme/tests:abc')
    expect(containerdName('registry:5000/tests:abc')).toBe('registry:5000/tests:abc')
  })
})
