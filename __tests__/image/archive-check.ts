/** Checks an image archive the way the loaders read it: every digest, name and the layer. */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { readTar, type ReadEntry } from './read-tar.js'

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex')

export interface CheckedArchive {
  image: string
  config: {
    architecture: string
    os: string
    created: string
    config: { Entrypoint: string[]; Cmd: string[]; WorkingDir: string; Env: string[] }
    rootfs: { type: string; diff_ids: string[] }
  }
  layer: ReadEntry[]
  entries: string[]
}

export function checkArchive(archive: string): CheckedArchive {
  const entries = readTar(fs.readFileSync(archive))
  const byName = new Map(entries.map((e) => [e.name, e]))
  const get = (name: string): ReadEntry => {
    const e = byName.get(name)
    if (!e) throw new Error(`${name} is missing from ${archive}`)
    return e
  }
  const blob = (digest: string): Buffer => {
    const e = get('blobs/sha256/' + digest.replace(/^sha256:/, ''))
    if (sha(e.content) !== digest) throw new Error(`blob ${digest} has another digest`)
    return e.content
  }
  for (const e of entries) {
    if (e.mtime !== 0 || e.uid !== 0 || e.gid !== 0) throw new Error(`${e.name}: not normalized`)
    if (e.name.startsWith('blobs/sha256/') && e.type === '0') blob('sha256:' + e.name.slice(13))
  }
  if (JSON.parse(get('oci-layout').content.toString()).imageLayoutVersion !== '1.0.0')
    throw new Error('bad oci-layout')

  const docker = JSON.parse(get('manifest.json').content.toString()) as {
    Config: string
    RepoTags: string[]
    Layers: string[]
  }[]
  if (docker.length !== 1 || docker[0].RepoTags.length !== 1 || docker[0].Layers.length !== 1)
    throw new Error('manifest.json must name one image with one tag and one layer')
  const image = docker[0].RepoTags[0]
  const configBytes = get(docker[0].Config).content
  const configDigest = sha(configBytes)
  if (docker[0].Config !== 'blobs/sha256/' + configDigest.slice(7))
    throw new Error('manifest.json Config is not named by its digest')
  if (!image.endsWith(':' + configDigest.slice(7, 19)))
    throw new Error(`tag of ${image} is not the config digest ${configDigest}`)

  const index = JSON.parse(get('index.json').content.toString())
  if (index.manifests.length !== 1) throw new Error('index.json must have one manifest')
  const m = index.manifests[0]
  const manifestBytes = blob(m.digest)
  if (manifestBytes.length !== m.size) throw new Error('index.json: manifest size')
  const manifest = JSON.parse(manifestBytes.toString())
  if (manifest.config.digest !== configDigest || manifest.config.size !== configBytes.length)
    throw new Error('OCI manifest config descriptor differs from manifest.json Config')
  if (manifest.layers.length !== 1) throw new Error('one layer expected')
  const layerBytes = blob(manifest.layers[0].digest)
  if (layerBytes.length !== manifest.layers[0].size) throw new Error('layer size')
  if ('blobs/sha256/' + manifest.layers[0].digest.slice(7) !== docker[0].Layers[0])
    throw new Error('manifest.json and the OCI manifest name different layers')

  const config = JSON.parse(configBytes.toString())
  if (config.rootfs.diff_ids[0] !== manifest.layers[0].digest)
    throw new Error('diff_id of an uncompressed layer must be its digest')
  if (!m.annotations['io.containerd.image.name'].endsWith(image))
    throw new Error('containerd name annotation does not match the tag')
  return {
    image,
    config,
    layer: readTar(Buffer.from(layerBytes)),
    entries: entries.map((e) => e.name)
  }
}
