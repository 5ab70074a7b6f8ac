/**
 * Packs one static binary into a single-layer image archive, in-process: no Docker daemon, no
 * registry. The archive has both layouts `docker save` (Docker 25+) writes, so every loader we
 * target accepts it: `manifest.json` for `docker load` (any version) and Docker-format importers,
 * and an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) for containerd
 * (`ctr -n k8s.io images import`, which `kind load image-archive` runs on each node).
 *
 * The layer is an uncompressed tar (the archive only travels to a node on the same machine or
 * network, and gzip would cost more time than the bytes it saves), holding the binary and an
 * empty world-writable /tmp, the working directory, for t.TempDir(). Every header has a fixed
 * owner and mtime and the config has a fixed creation time, so the same binary always gives the
 * same config digest and so the same tag: an unchanged test binary is not loaded again.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { contentTag } from './build.js'
import { BLOCK, END_OF_ARCHIVE, padding, tarDirectory, tarFile, tarHeader } from './tar.js'

/** The epoch: `created` and every mtime. A real date would make each pack a new image. */
const EPOCH = 0
const CREATED = new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z')
const CHUNK = 1 << 20

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar'
} as const

export interface PackOptions {
  /** The binary to pack; it is read once, in chunks. */
  binary: string
  /** Image repository, e.g. `in-cluster-test/tests`; the tag is derived from the content. */
  repository: string
  /** Folder the archive is written to. */
  outDir: string
  /** Absolute path of the binary in the image; default `/integration.test`. */
  entrypoint?: string
  /** Default arguments (the Job usually sets its own); default `['-test.v']` as Dockerfile.test. */
  cmd?: string[]
  /** GOARCH of the binary, e.g. `amd64`; the image is `linux/<arch>`. */
  arch: string
  labels?: Record<string, string>
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
}

export interface PackedImage {
  /** `repository:<12 hex of the config digest>`. */
  image: string
  /** The archive's path: `<outDir>/image-<image with / and : as _>.tar`. */
  archive: string
  config: Descriptor
  layer: Descriptor
  manifest: Descriptor
}

/** Docker's default search path; a scratch image has no other environment. */
const DEFAULT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']

function sha256(data: Buffer): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex')
}

function descriptor(mediaType: string, data: Buffer): Descriptor {
  return { mediaType, digest: sha256(data), size: data.length }
}

function blobName(digest: string): string {
  return 'blobs/sha256/' + digest.replace(/^sha256:/, '')
}

/** The full name containerd stores (`x:t` → `docker.io/library/x:t`), as `docker save` records it. */
export function containerdName(reference: string): string {
  const slash = reference.indexOf('/')
  const first = slash < 0 ? '' : reference.slice(0, slash)
  if (slash < 0) return `docker.io/library/${reference}`
  if (first.includes('.') || first.includes(':') || first === 'localhost') return reference
  return `docker.io/${reference}`
}

function imagePath(entrypoint: string): string {
  const normalized = path.posix.normalize(entrypoint)
  if (!path.posix.isAbsolute(entrypoint) || normalized === '/' || normalized.startsWith('/tmp/'))
    throw new Error(
      `the binary's path in the image must be an absolute file path outside /tmp, not '${entrypoint}'`
    )
  return normalized.slice(1)
}

/**
 * The layer, as (bytes before the binary, bytes after it): parent directories and the binary's
 * header, then its padding, /tmp and the end of the archive. The binary is streamed in between.
 */
export function layerFrame(
  inImage: string,
  binarySize: number
): { before: Buffer; after: Buffer; size: number } {
  const parts = inImage.split('/')
  const dirs = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/') + '/')
  const before = Buffer.concat([
    ...dirs.map((d) => tarDirectory(d, EPOCH)),
    tarHeader({ name: inImage, mode: 0o755, size: binarySize, type: 'file', mtime: EPOCH })
  ])
  const after = Buffer.concat([
    padding(binarySize),
    tarDirectory('tmp/', EPOCH, 0o1777),
    END_OF_ARCHIVE
  ])
  return { before, after, size: before.length + binarySize + after.length }
}

export function imageConfig(o: {
  arch: string
  entrypoint: string
  cmd: string[]
  labels: Record<string, string>
  diffId: string
}): Buffer {
  const config = {
    architecture: o.arch,
    os: 'linux',
    // Go's default GOARM is 7; a linux/arm node looks for variant v7.
    ...(o.arch === 'arm' ? { variant: 'v7' } : {}),
    created: CREATED,
    config: {
      Env: DEFAULT_ENV,
      Entrypoint: [o.entrypoint],
      Cmd: o.cmd,
      WorkingDir: '/tmp',
      Labels: o.labels
    },
    rootfs: { type: 'layers', diff_ids: [o.diffId] },
    history: [{ created: CREATED, created_by: 'in-cluster-test: packed test binary' }]
  }
  return Buffer.from(JSON.stringify(config))
}

/**
 * The archive's entries after the layer: the config, the OCI manifest and index (containerd reads
 * these) and Docker's manifest.json (docker load reads that), all naming the content-tagged image.
 */
function imageMetadata(
  o: PackOptions,
  entrypoint: string,
  layer: Descriptor
): { image: string; config: Descriptor; manifest: Descriptor; entries: Buffer } {
  const configJson = imageConfig({
    arch: o.arch,
    entrypoint,
    cmd: o.cmd ?? ['-test.v'],
    labels: { 'org.opencontainers.image.title': 'in-cluster-test', ...o.labels },
    diffId: layer.digest
  })
  const config = descriptor(MEDIA_TYPES.config, configJson)
  const image = contentTag(o.repository, config.digest)
  const manifestJson = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config,
      layers: [layer]
    })
  )
  const manifest = descriptor(MEDIA_TYPES.manifest, manifestJson)
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        ...manifest,
        annotations: {
          // containerd names the image from this one; the OCI name is the tag alone.
          'io.containerd.image.name': containerdName(image),
          'org.opencontainers.image.ref.name': image.slice(image.lastIndexOf(':') + 1)
        },
        platform: { architecture: o.arch, os: 'linux' }
      }
    ]
  }
  const dockerManifest = [
    { Config: blobName(config.digest), RepoTags: [image], Layers: [blobName(layer.digest)] }
  ]
  const entries = Buffer.concat([
    tarFile(blobName(config.digest), configJson, EPOCH),
    tarFile(blobName(manifest.digest), manifestJson, EPOCH),
    tarFile('index.json', Buffer.from(JSON.stringify(index)), EPOCH),
    tarFile('manifest.json', Buffer.from(JSON.stringify(dockerManifest)), EPOCH),
    tarFile('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })), EPOCH),
    END_OF_ARCHIVE
  ])
  return { image, config, manifest, entries }
}

/**
 * Writes the archive and returns the image reference. The layer's archive entry is named by its
 * digest, known only after the binary is read: its header is written as a placeholder and
 * rewritten in place, so the binary is read once and never held in memory.
 */
export async function packImage(o: PackOptions): Promise<PackedImage> {
  const entrypoint = o.entrypoint ?? '/integration.test'
  const inImage = imagePath(entrypoint)
  fs.mkdirSync(o.outDir, { recursive: true })
  const partial = path.join(o.outDir, `.image-${process.pid}-${Date.now()}.tar.partial`)
  const src = await fs.promises.open(o.binary, 'r')
  let out: fs.promises.FileHandle
  try {
    out = await fs.promises.open(partial, 'w')
  } catch (e) {
    await src.close()
    throw e
  }
  let position = 0
  const write = async (data: Buffer): Promise<void> => {
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await out.write(data, done, data.length - done, position + done)
      done += bytesWritten
    }
    position += data.length
  }
  try {
    const binarySize = (await src.stat()).size
    const frame = layerFrame(inImage, binarySize)
    const hash = createHash('sha256')

    await write(
      Buffer.concat([tarDirectory('blobs/', EPOCH), tarDirectory('blobs/sha256/', EPOCH)])
    )
    const layerHeaderAt = position
    await write(Buffer.alloc(BLOCK))
    hash.update(frame.before)
    await write(frame.before)
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(binarySize, 1)))
    let read = 0
    while (read < binarySize) {
      const { bytesRead } = await src.read(
        chunk,
        0,
        Math.min(chunk.length, binarySize - read),
        read
      )
      if (bytesRead === 0) break
      const piece = chunk.subarray(0, bytesRead)
      hash.update(piece)
      await write(piece)
      read += bytesRead
    }
    if (read !== binarySize || (await src.stat()).size !== binarySize)
      throw new Error(`${o.binary} changed while it was packed: build it again`)
    hash.update(frame.after)
    await write(frame.after)
    await write(padding(frame.size))

    const diffId = 'sha256:' + hash.digest('hex')
    const layer: Descriptor = { mediaType: MEDIA_TYPES.layer, digest: diffId, size: frame.size }
    const name = tarHeader({
      name: blobName(diffId),
      mode: 0o644,
      size: frame.size,
      type: 'file',
      mtime: EPOCH
    })
    await out.write(name, 0, BLOCK, layerHeaderAt)

    const meta = imageMetadata(o, entrypoint, layer)
    await write(meta.entries)
    await out.close()
    const archive = path.join(o.outDir, `image-${meta.image.replace(/[^\w.-]+/g, '_')}.tar`)
    fs.renameSync(partial, archive)
    return { image: meta.image, archive, config: meta.config, layer, manifest: meta.manifest }
  } catch (e) {
    await out.close().catch(() => undefined)
    fs.rmSync(partial, { force: true })
    throw e
  } finally {
    await src.close()
  }
}
