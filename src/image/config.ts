/**
 * What the test container must run when the image has no ENTRYPOINT. Kubernetes' `args` replace
 * the image's CMD, so an image written the usual way for `docker run` (`CMD ["./tests", "-test.v"]`,
 * no ENTRYPOINT) would exec the first test-arg (`-test.v`) and fail to start (StartError, exit
 * 128). Such an image's CMD names the binary: its first word becomes the container's `command`,
 * and test-args stay its `args`. An image with an ENTRYPOINT is left as it is.
 */
import type { Exec, Logger } from '../ports.js'

/** The parts of `docker image inspect`'s `.Config` that decide what a container runs. */
export interface ImageConfig {
  entrypoint: string[]
  cmd: string[]
  workingDir?: string
}

function strings(v: unknown): string[] | undefined {
  if (v === null || v === undefined) return []
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return undefined
  return v as string[]
}

/**
 * `docker image inspect --format '{{json .Config}}'` output. Docker before 26 writes every field
 * (`"Entrypoint": null`); later ones leave empty fields out. Undefined when it is not a config.
 */
export function parseImageConfig(json: string): ImageConfig | undefined {
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    return undefined
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  const entrypoint = strings(o.Entrypoint)
  const cmd = strings(o.Cmd)
  if (!entrypoint || !cmd) return undefined
  const workingDir = typeof o.WorkingDir === 'string' && o.WorkingDir ? o.WorkingDir : undefined
  return { entrypoint, cmd, workingDir }
}

/** A program name a shell would run as it is: no quoting, expansion or operator in it. */
const PLAIN_WORD = /^[\w./+-]+$/

/**
 * The container command for an image without ENTRYPOINT: CMD's first word. A shell-form CMD
 * (`CMD ./tests -test.v` is `["/bin/sh", "-c", "./tests -test.v"]`) names the binary as its
 * script's first word, which is taken when it is a plain word (not `cd x && ...`). Undefined
 * when nothing is to change: the image has an ENTRYPOINT, or no CMD, or a script we cannot read.
 */
export function testCommand(config: ImageConfig): string[] | undefined {
  if (config.entrypoint.length > 0 || config.cmd.length === 0) return undefined
  const [first, flag, script] = config.cmd
  if (/^(\/bin\/|\/usr\/bin\/)?(ba|da|a)?sh$/.test(first) && flag === '-c') {
    const word = (script ?? '').trim().split(/\s+/)[0] ?? ''
    const rest = (script ?? '').trim().slice(word.length)
    // `./tests -test.v` yes; `./tests; x`, `$BIN`, `cd /app && ./tests` no.
    if (!PLAIN_WORD.test(word) || /[;&|<>`$()]/.test(rest)) return undefined
    return [word]
  }
  if (!first) return undefined
  return [first]
}

/**
 * The test container's command for `image`, read from the local Docker; undefined when the image
 * has an ENTRYPOINT, or Docker cannot tell (the image is not local, say: a given `image` that was
 * not built here, which the kubelet pulls; nothing is said but a debug line then).
 */
export async function inspectTestCommand(
  image: string,
  exec: Exec,
  log: Logger
): Promise<string[] | undefined> {
  let result
  try {
    result = await exec.run('docker', ['image', 'inspect', '--format', '{{json .Config}}', image], {
      silent: true
    })
  } catch (e) {
    // No docker at all: the real Exec throws when the program is missing.
    log.debug(`docker image inspect ${image}: ${(e as Error).message}`)
    return undefined
  }
  const config = result.exitCode === 0 ? parseImageConfig(result.stdout.trim()) : undefined
  if (!config) {
    log.debug(
      `docker image inspect ${image} did not give its config (exit ${result.exitCode}): the test container runs the image's ENTRYPOINT as it is`
    )
    return undefined
  }
  const command = testCommand(config)
  if (command) {
    log.info(
      `${image} has no ENTRYPOINT: the test container runs its CMD's first word, ${JSON.stringify(command[0])}${config.workingDir ? ` (in ${config.workingDir})` : ''}, with test-args as its arguments`
    )
  } else if (config.entrypoint.length === 0) {
    log.debug(
      `${image} has neither an ENTRYPOINT nor a CMD the test binary can be read from (${JSON.stringify(config.cmd)})`
    )
  }
  return command
}
