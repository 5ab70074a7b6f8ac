/**
 * Binds the ArtifactUploader port to @actions/artifact. Imported by post.ts only, so neither the
 * main nor the CLI bundle carries the artifact client. It authenticates with the runtime token
 * (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL) the runner gives every action, not GITHUB_TOKEN:
 * no workflow permission is needed, and outside GitHub Actions it throws.
 */
import { DefaultArtifactClient } from '@actions/artifact'
import type { ArtifactUploader } from './ports.js'

export const actionsArtifactUploader: ArtifactUploader = {
  async upload(name, files, rootDirectory) {
    const r = await new DefaultArtifactClient().uploadArtifact(name, files, rootDirectory)
    return { id: r.id, size: r.size }
  }
}
