/**
 * Before anything runs: secrets masked (before anything could print them), the post step's
 * upload recorded (upload-artifact), the output folder and an empty tests.log made, and the
 * repository's Go files listed, so printed test file names can be mapped to paths on the diff
 * and the source read to tell a failing check from a log line.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Inputs } from '../inputs/types.js'
import type { Exec } from '../ports.js'
import type { SecretValues } from '../secrets/secrets.js'
import { saveUploadState, type StateStore } from '../state.js'
import { locateFile } from '../results/locate.js'
import type { SourceReader } from '../results/failure-source.js'
import { checkoutSource, listGoFiles } from '../results/source-files.js'

export interface Prepared {
  logFile: string
  locate: (printed: string, pkg?: string) => string | undefined
  /** The workspace's Go source, read only on demand. */
  source: SourceReader
}

export async function prepareStage(
  inputs: Pick<
    Inputs,
    'job' | 'deploy' | 'image' | 'report' | 'outputDir' | 'workDir' | 'workspace'
  >,
  d: { exec: Exec; secrets: SecretValues; state: StateStore }
): Promise<Prepared> {
  // Masked already when the inputs were read through SecretValues; this covers other callers.
  d.secrets.add(secretValues(inputs))
  // Marked redacted by run.ts once it has redacted the run's files; until then (a run cancelled
  // or failed before) the post step uploads nothing and says why.
  if (inputs.report.uploadArtifact)
    saveUploadState(d.state, {
      name: inputs.report.uploadArtifact,
      outputDir: inputs.outputDir,
      redacted: false,
      // The kubeconfig, image archives and the test binary: never uploaded.
      exclude: [inputs.workDir]
    })
  fs.mkdirSync(inputs.outputDir, { recursive: true })
  fs.mkdirSync(inputs.workDir, { recursive: true })
  const logFile = path.join(inputs.outputDir, 'tests.log')
  fs.writeFileSync(logFile, '')
  const repoFiles = await listGoFiles(inputs.workspace, d.exec)
  return {
    logFile,
    locate: (printed, pkg) => locateFile(printed, repoFiles, pkg),
    source: checkoutSource(inputs.workspace, repoFiles)
  }
}

/** Every secret value the inputs hold. */
export function secretValues(inputs: Pick<Inputs, 'job' | 'deploy' | 'image'>): string[] {
  return [
    ...Object.values(inputs.job.secretEnv),
    ...Object.values(inputs.image.buildSecrets),
    ...inputs.deploy.secrets.flatMap((s) => Object.values(s.data)),
    // ArgoCD's password for app-repo (app-repo-password, or github-token for this repository).
    inputs.deploy.application?.credentials?.password ?? ''
  ].filter((v) => v !== '')
}
