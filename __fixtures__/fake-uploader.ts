import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ArtifactUploader } from '../src/ports.js'

export interface Upload {
  name: string
  rootDirectory: string
  /** Each file's path in the artifact and its content, read at upload time (the stage goes after). */
  entries: Record<string, string>
}

/** An ArtifactUploader that records what it was given, or fails with `error`. */
export class FakeUploader implements ArtifactUploader {
  readonly uploads: Upload[] = []
  error?: Error
  onUpload?: () => void

  async upload(name: string, files: string[], rootDirectory: string) {
    this.onUpload?.()
    if (this.error) throw this.error
    const entries: Record<string, string> = {}
    for (const f of files) {
      if (!f.startsWith(rootDirectory + path.sep)) throw new Error(`${f} is not under the root`)
      entries[path.relative(rootDirectory, f)] = fs.readFileSync(f, 'utf8')
    }
    this.uploads.push({ name, rootDirectory, entries })
    return { id: 1, size: 42 }
  }
}
