/**
 * Before anything runs: secrets masked (before anything could print them), the post step's
 * upload recorded (upload-artifact), the output folder and an empty tests.log made, and the
 * repository's Go files listed, so printed test file names can be mapped to paths on the diff.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Inputs } from '../inputs/types.js'
import type { Exec } from '../ports.js'
import type { SecretValues } from '../secrets/secrets.js'
import { saveUploadState, type StateStore } from '../state.js'
import { locateFile } from '../results/locate.js'

export interface Prepared {
  logFile: string
  locate: (printed: string, pkg?: string) => string | undefined
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
  return { logFile, locate: (printed, pkg) => locateFile(printed, repoFiles, pkg) }
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

/** Go files of the repository, for mapping printed test file names to paths on the diff. */
async function listGoFiles(workspace: string, exec: Exec): Promise<string[]> {
  const r = await exec.run(
    'git',
    ['-C', workspace, 'ls-files', '--cached', '--others', '--exclude-standard', '--', '*.go'],
    { silent: true }
  )
  if (r.exitCode === 0) return r.stdout.split('\n').filter(Boolean)
  return walk(workspace, '', 20_000)
}

function walk(root: string, rel: string, budget: number): string[] {
  const out: string[] = []
  const stack = [rel]
  while (stack.length > 0 && out.length < budget) {
    const dir = stack.pop() as string
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) {
      const p = dir ? `${dir}/${e.name}` : e.name
      if (e.isDirectory() && !['node_modules', '.git', 'vendor', 'dist'].includes(e.name))
        stack.push(p)
      else if (e.isFile() && e.name.endsWith('.go')) out.push(p)
    }
  }
  return out
}
