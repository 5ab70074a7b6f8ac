/**
 * A container the runtime could not start: the kubelet reports it as `terminated` with reason
 * `StartError` and exit code 128 (restartPolicy Never; `startedAt` is the zero time, it never
 * ran), or as `waiting` with `RunContainerError` / `CreateContainerError` while it retries. The
 * runtime's message wraps the cause in one prefix per layer (containerd, shim, OCI runtime, runc):
 * only the end says what went wrong, usually `exec: "<program>": <why>`. Pure.
 */
import type { ContainerStateLike } from '../k8s/types.js'

export const START_WAITING_REASONS = new Set(['RunContainerError', 'CreateContainerError'])

export interface StartFailure {
  /** StartError, RunContainerError or CreateContainerError. */
  reason: string
  exitCode?: number
  /** The runtime's message, trimmed to its cause. */
  cause: string
  /** What to change, when the cause is one we know. */
  hint?: string
}

/** The layers' prefixes, as containerd and runc write them, outermost first. */
const WRAPPERS = [
  /^failed to create containerd task:\s*/i,
  /^failed to create shim task:\s*/i,
  /^failed to start containerd task[^:]*:\s*/i,
  /^OCI runtime (?:create|start|exec) failed:\s*/i,
  /^runc (?:create|start) failed:\s*/i,
  /^container_linux\.go:\d+:\s*/i,
  /^starting container process caused:?\s*/i,
  /^unable to start container process:\s*/i,
  /^Error response from daemon:\s*/i
]

/**
 * `failed to create containerd task: ... unable to start container process: exec: "-test.v":
 * executable file not found in $PATH: unknown` → `exec: "-test.v": executable file not found in
 * $PATH`. From `exec:` on when it is there, else without the known prefixes; never the gRPC code.
 */
export function runtimeCause(message: string): string {
  const text = message.trim().replace(/\s*\n\s*/g, ' ')
  const exec = text.search(/\bexec: /)
  let cause = exec >= 0 ? text.slice(exec) : text
  for (let changed = true; changed;) {
    changed = false
    for (const w of WRAPPERS) {
      const next = cause.replace(w, '')
      if (next !== cause) {
        cause = next
        changed = true
      }
    }
  }
  cause = cause.replace(/:\s*unknown$/i, '').trim()
  return cause.length > 300 ? `${cause.slice(0, 299)}…` : cause
}

/** What to do about the causes a test image meets: wrong program, not executable, wrong build. */
function hintFor(cause: string): string | undefined {
  const program = cause.match(/exec: "([^"]*)"/)?.[1]
  const entrypoint =
    'Give the image an ENTRYPOINT that is the test binary (ENTRYPOINT ["/integration.test"]), or make its CMD\'s first word the test binary'
  if (/executable file not found|no such file or directory/.test(cause)) {
    if (program?.startsWith('-'))
      return `The image has no ENTRYPOINT, so the test argument ${JSON.stringify(program)} (test-args replace CMD) was run as the program. ${entrypoint}: an image the action builds then runs CMD's first word`
    return `${program ? JSON.stringify(program) : 'The program'} is not in the image, or is a dynamically linked binary whose loader the image lacks (build it with CGO_ENABLED=0). ${entrypoint}`
  }
  if (/permission denied/.test(cause))
    return "The program is not executable: chmod +x it in the Dockerfile, and check the container's user may run it"
  if (/exec format error/.test(cause))
    return "The binary was built for another CPU or OS than the node's: build it with GOOS=linux and the node's GOARCH"
  return undefined
}

/** The start failure a container state shows, if any (see above). */
export function startFailure(state: ContainerStateLike | undefined): StartFailure | undefined {
  const t = state?.terminated
  if (t?.reason === 'StartError') {
    const cause = runtimeCause(t.message ?? '')
    return { reason: t.reason, exitCode: t.exitCode, cause, hint: hintFor(cause) }
  }
  const w = state?.waiting
  if (w?.reason && START_WAITING_REASONS.has(w.reason)) {
    const cause = runtimeCause(w.message ?? '')
    return { reason: w.reason, cause, hint: hintFor(cause) }
  }
  return undefined
}
