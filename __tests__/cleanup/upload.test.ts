import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { postCleanup } from '../../src/cleanup/cleanup.js'
import {
  artifactFiles,
  isWithin,
  refusedFolder,
  uploadRunArtifact
} from '../../src/cleanup/upload.js'
import {
  rawUploadState,
  saveCleanupState,
  saveUploadState,
  startStateSession,
  updateUploadState,
  validateUploadState,
  memoryStateStore,
  type UploadState
} from '../../src/state.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { FakeUploader } from '../../__fixtures__/fake-uploader.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-upload-'))

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), text)
  }
}

/** A runner: RUNNER_TEMP with output-dir and the work dir in it, and a workspace. */
function runner() {
  const root = tmp()
  const runnerTemp = path.join(root, '_temp')
  const workspace = path.join(root, 'repo')
  const outputDir = path.join(runnerTemp, 'in-cluster-test')
  const workDir = path.join(runnerTemp, 'in-cluster-test-work')
  const exportDir = path.join(workspace, 'kind-logs')
  write(outputDir, {
    'tests.log': 'ok',
    'results.json': '{}',
    'junit.xml': '<x/>',
    'cover.out': 'mode: atomic',
    'service/api.log': 'service'
  })
  write(workDir, { kubeconfig: 'admin credential' })
  fs.mkdirSync(workspace, { recursive: true })
  const env = { runnerTemp, workspace, home: root }
  const state: UploadState = {
    name: 'in-cluster-test-e2e',
    outputDir,
    redacted: true,
    exclude: [workDir]
  }
  return { root, runnerTemp, workspace, outputDir, workDir, exportDir, env, state }
}

describe('upload-artifact (post step)', () => {
  it('uploads output-dir, and export-logs when main exported there, as one artifact', async () => {
    const r = runner()
    const uploader = new FakeUploader()
    const log = new FakeLogger()
    await uploadRunArtifact(r.state, { env: r.env, exclude: [] }, uploader, log)
    expect(uploader.uploads).toHaveLength(1)
    expect(uploader.uploads[0].name).toBe('in-cluster-test-e2e')
    expect(Object.keys(uploader.uploads[0].entries).sort()).toEqual([
      'output-dir/cover.out',
      'output-dir/junit.xml',
      'output-dir/results.json',
      'output-dir/service/api.log',
      'output-dir/tests.log'
    ])
    expect(log.text('info')).toMatch(/Uploaded the artifact 'in-cluster-test-e2e': 5 file\(s\)/)

    write(r.exportDir, { 'kind-control-plane/kubelet.log': 'kubelet', 'pods.txt': 'pods' })
    const both = new FakeUploader()
    await uploadRunArtifact(
      { ...r.state, exportLogsDir: r.exportDir },
      { env: r.env, exclude: [] },
      both,
      new FakeLogger()
    )
    expect(Object.keys(both.uploads[0].entries).sort()).toEqual([
      'export-logs/kind-control-plane/kubelet.log',
      'export-logs/pods.txt',
      'output-dir/cover.out',
      'output-dir/junit.xml',
      'output-dir/results.json',
      'output-dir/service/api.log',
      'output-dir/tests.log'
    ])
    expect(both.uploads[0].entries['export-logs/pods.txt']).toBe('pods')
    // The links' folder is gone, the folders it pointed to are not.
    expect(fs.existsSync(both.uploads[0].rootDirectory)).toBe(false)
    expect(fs.readdirSync(r.exportDir).sort()).toEqual(['kind-control-plane', 'pods.txt'])
  })

  it('skips a folder that does not exist, and uploads nothing when no file is left', async () => {
    const r = runner()
    const { files } = artifactFiles(
      [
        { dir: r.outputDir, as: 'output-dir' },
        { dir: path.join(r.root, 'missing'), as: 'export-logs' }
      ],
      []
    )
    expect(files.map((f) => f.entry)).toHaveLength(5)

    const uploader = new FakeUploader()
    const log = new FakeLogger()
    const empty = { ...r.state, outputDir: path.join(r.root, 'none') }
    await uploadRunArtifact(empty, { env: r.env, exclude: [] }, uploader, log)
    expect(uploader.uploads).toEqual([])
    expect(log.text()).toMatch(/no file to upload as 'in-cluster-test-e2e'/)
  })

  it('never follows a link nor uploads the kubeconfig, the work dir or a refused file name', async () => {
    const r = runner()
    const secret = path.join(r.root, 'docker-config.json')
    fs.writeFileSync(secret, 'auth')
    fs.symlinkSync(secret, path.join(r.outputDir, 'innocent.txt'))
    fs.symlinkSync(r.workDir, path.join(r.outputDir, 'work'))
    // A user's output-dir that holds the work dir and a kubeconfig of its own.
    const nestedWork = path.join(r.outputDir, 'work-inside')
    write(nestedWork, { 'image.tar': 'layers' })
    write(r.outputDir, { kubeconfig: 'admin', 'odd:name.log': 'x' })
    const { files, skipped } = artifactFiles(
      [{ dir: r.outputDir, as: 'output-dir' }],
      [nestedWork, path.join(r.outputDir, 'kubeconfig')]
    )
    const entries = files.map((f) => f.entry)
    expect(entries).not.toContain('output-dir/innocent.txt')
    expect(entries.some((e) => e.includes('kubeconfig') || e.includes('work'))).toBe(false)
    expect(entries).not.toContain('output-dir/odd:name.log')
    expect(skipped.map((s) => path.basename(s)).sort()).toEqual([
      'innocent.txt',
      'odd:name.log',
      'work'
    ])
  })

  it('lists export-logs once when it lies inside output-dir', () => {
    const r = runner()
    const inside = path.join(r.outputDir, 'cluster')
    write(inside, { 'pods.txt': 'pods' })
    const { files } = artifactFiles(
      [
        { dir: r.outputDir, as: 'output-dir' },
        { dir: inside, as: 'export-logs' }
      ],
      []
    )
    const entries = files.map((f) => f.entry)
    expect(entries).toContain('export-logs/pods.txt')
    expect(entries).not.toContain('output-dir/cluster/pods.txt')
    expect(entries).toHaveLength(6)
  })

  it("refuses a folder that holds the runner's temp, the workspace or the home folder", async () => {
    const r = runner()
    expect(refusedFolder(r.outputDir, r.env)).toBeUndefined()
    expect(refusedFolder(r.runnerTemp, r.env)).toMatch(/runner's temp folder/)
    expect(refusedFolder(r.workspace, r.env)).toMatch(/the workspace/)
    expect(refusedFolder(path.dirname(r.root), r.env)).toMatch(/runner's temp folder/)
    expect(isWithin('/a/..b', '/a')).toBe(true)
    expect(isWithin('/ab', '/a')).toBe(false)

    const uploader = new FakeUploader()
    const log = new FakeLogger()
    await uploadRunArtifact(
      { ...r.state, exportLogsDir: r.workspace },
      { env: r.env, exclude: [] },
      uploader,
      log
    )
    expect(log.text('warning')).toMatch(/export-logs .* is not uploaded: it holds the workspace/)
    expect(Object.keys(uploader.uploads[0].entries).every((e) => e.startsWith('output-dir/'))).toBe(
      true
    )
  })

  it('only warns when the upload fails (no runtime token outside GitHub)', async () => {
    const r = runner()
    const uploader = new FakeUploader()
    uploader.error = new Error('Unable to get the ACTIONS_RUNTIME_TOKEN env variable')
    const log = new FakeLogger()
    await expect(
      uploadRunArtifact(r.state, { env: r.env, exclude: [] }, uploader, log)
    ).resolves.toBeUndefined()
    expect(log.text('warning')).toMatch(
      /^Could not upload the artifact 'in-cluster-test-e2e': Unable to get the ACTIONS_RUNTIME_TOKEN env variable \(the runner gives it to actions/
    )
    expect(log.text('error')).toBe('')
    // Its folder of links is removed on failure too.
    expect(fs.readdirSync(r.runnerTemp).sort()).toEqual(['in-cluster-test', 'in-cluster-test-work'])
  })

  it('does nothing when upload-artifact is empty, and nothing unredacted', async () => {
    const r = runner()
    const uploader = new FakeUploader()
    const log = new FakeLogger()
    await uploadRunArtifact(undefined, { env: r.env, exclude: [] }, uploader, log)
    expect(uploader.uploads).toEqual([])
    expect(log.lines).toEqual([])

    await uploadRunArtifact(
      { ...r.state, redacted: false },
      { env: r.env, exclude: [] },
      uploader,
      log
    )
    expect(uploader.uploads).toEqual([])
    expect(log.text('warning')).toMatch(/ended before it redacted the run's files/)
  })

  it('accepts from the state only a name and absolute folders', () => {
    const store = memoryStateStore()
    expect(validateUploadState(rawUploadState(store))).toEqual({ problems: [] })
    updateUploadState(store, { redacted: true })
    expect(rawUploadState(store)).toBe('')
    saveUploadState(store, { name: 'a', outputDir: '/out', redacted: false, exclude: ['/work'] })
    updateUploadState(store, { redacted: true, exportLogsDir: '/logs' })
    expect(validateUploadState(rawUploadState(store)).state).toEqual({
      name: 'a',
      outputDir: '/out',
      exportLogsDir: '/logs',
      redacted: true,
      exclude: ['/work']
    })
    const refused = (v: unknown) => validateUploadState(JSON.stringify(v))
    expect(refused({ name: 'a', outputDir: 'out', redacted: true }).state).toBeUndefined()
    expect(refused({ name: '', outputDir: '/out', redacted: true }).state).toBeUndefined()
    const relativeExport = refused({
      name: 'a',
      outputDir: '/out',
      exportLogsDir: '../x',
      redacted: 'yes',
      exclude: ['/w', 'rel', 3]
    })
    expect(relativeExport.state).toEqual({
      name: 'a',
      outputDir: '/out',
      redacted: false,
      exclude: ['/w']
    })
    expect(relativeExport.problems).toEqual([
      'the export-logs folder to upload is not an absolute path: refused'
    ])
    expect(validateUploadState('{').problems).toHaveLength(1)
  })

  it('post step: cleans up first, then uploads; never the kubeconfig; only with an uploader', async () => {
    const r = runner()
    const toolCache = path.join(r.root, 'tools')
    const kind = `${toolCache}/kind/v0.32.0/x64/kind`
    const stateDir = path.join(r.runnerTemp, 'in-cluster-test-state')
    const kubeconfigPath = path.join(r.outputDir, 'kubeconfig')
    write(r.outputDir, { kubeconfig: 'admin' })
    const setUp = () => {
      const actionState = memoryStateStore()
      const mine = startStateSession(actionState, stateDir)
      saveCleanupState(mine, {
        kindPath: kind,
        clusterName: 'ict',
        clusterCreated: true,
        keepCluster: false,
        kubeconfigPath
      })
      saveUploadState(mine, r.state)
      return actionState
    }
    const order: string[] = []
    const exec = new FakeExec().on(
      (c) => (order.push(`${path.basename(c.command)} ${c.args.join(' ')}`), false),
      {}
    )
    const uploader = new FakeUploader()
    uploader.onUpload = () => order.push('upload')
    const env = { ...r.env, toolCacheDir: toolCache }
    await postCleanup(setUp(), stateDir, env, exec, new FakeLogger(), uploader)
    expect(order).toEqual(['kind delete cluster --name ict', 'upload'])
    expect(Object.keys(uploader.uploads[0].entries)).not.toContain('output-dir/kubeconfig')
    expect(Object.keys(uploader.uploads[0].entries)).toHaveLength(5)

    // The CLI's cleanup passes no uploader: nothing is uploaded.
    const none = new FakeLogger()
    await postCleanup(setUp(), stateDir, env, new FakeExec(), none)
    expect(none.text()).not.toMatch(/upload/i)
  })
})
