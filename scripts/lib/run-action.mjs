// Runs the bundled action the way a GitHub runner does: INPUT_* variables, the GITHUB_OUTPUT,
// GITHUB_STATE and GITHUB_STEP_SUMMARY files, then the post step with the saved state as STATE_*.
// Used by the end-to-end run and the fault suite, so they exercise exactly what users run.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'

/** Parses the runner's file-command format: `name=value` lines and `name<<DELIM` blocks. */
export function parseFileCommands(text) {
  const out = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const heredoc = line.match(/^([^=<]+)<<(.+)$/)
    if (heredoc) {
      const [, name, delim] = heredoc
      const value = []
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i])
      out[name] = value.join('\n')
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return out
}

function runNode(node, script, env, logFile, onStart) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    onStart?.(child)
    const chunks = []
    const log = fs.createWriteStream(logFile)
    for (const s of [child.stdout, child.stderr]) {
      s.on('data', (d) => {
        chunks.push(d)
        log.write(d)
        if (process.env.E2E_VERBOSE) process.stdout.write(d)
      })
    }
    child.on('error', reject)
    child.on('close', (code, signal) => {
      log.end()
      resolve({ code, signal, stdout: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

/**
 * @param {object} o
 * @param {string} o.node        node binary (Node 24, as action.yml's node24)
 * @param {string} o.root        the action's checkout (dist/ is run from here)
 * @param {string} o.workspace   GITHUB_WORKSPACE
 * @param {string} o.workDir     a fresh folder for the runner files of this case
 * @param {Record<string,string>} o.inputs
 * @param {(child: import('node:child_process').ChildProcess) => void} [o.onMainStart] gets the
 *   main step's process (to signal it, as a cancelled workflow does)
 * @param {() => Promise<void> | void} [o.beforePost] runs between the steps (a later step's view)
 */
export async function runAction({
  node,
  root,
  workspace,
  workDir,
  inputs,
  extraEnv = {},
  onMainStart,
  beforePost
}) {
  fs.mkdirSync(workDir, { recursive: true })
  const files = {
    GITHUB_OUTPUT: path.join(workDir, 'output'),
    GITHUB_STATE: path.join(workDir, 'state'),
    GITHUB_STEP_SUMMARY: path.join(workDir, 'summary.md'),
    GITHUB_ENV: path.join(workDir, 'env'),
    GITHUB_PATH: path.join(workDir, 'path')
  }
  for (const f of Object.values(files)) fs.writeFileSync(f, '')
  const base = {
    ...process.env,
    ...files,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: path.join(workDir, 'runner-temp'),
    RUNNER_TOOL_CACHE: path.join(workDir, 'tool-cache'),
    ...extraEnv
  }
  fs.mkdirSync(base.RUNNER_TEMP, { recursive: true })
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v])
  )
  const started = Date.now()
  const main = await runNode(
    node,
    path.join(root, 'dist/main/index.js'),
    { ...base, ...inputEnv },
    path.join(workDir, 'main.log'),
    onMainStart
  )
  const mainMs = Date.now() - started
  await beforePost?.()
  const state = parseFileCommands(fs.readFileSync(files.GITHUB_STATE, 'utf8'))
  const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]))
  const postStarted = Date.now()
  const post = await runNode(
    node,
    path.join(root, 'dist/post/index.js'),
    { ...base, ...inputEnv, ...stateEnv },
    path.join(workDir, 'post.log')
  )
  return {
    main,
    post,
    files,
    runnerTemp: base.RUNNER_TEMP,
    mainMs,
    postMs: Date.now() - postStarted,
    outputs: parseFileCommands(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state,
    summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    annotations: [...main.stdout.matchAll(/^::(error|warning|notice)( [^:]*)?::(.*)$/gm)].map(
      (m) => ({
        level: m[1],
        properties: Object.fromEntries(
          (m[2] ?? '')
            .trim()
            .split(',')
            .filter(Boolean)
            .map((p) => [
              p.slice(0, p.indexOf('=')),
              decodeURIComponent(p.slice(p.indexOf('=') + 1))
            ])
        ),
        message: m[3]
      })
    )
  }
}
