import { describe, expect, it } from '@jest/globals'
import { runtimeCause, startFailure } from '../../src/diagnosis/start.js'

const EXEC_NOT_FOUND =
  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "-test.v": executable file not found in $PATH: unknown'

describe('runtimeCause', () => {
  it("keeps the runtime's cause from exec: on, without the layers' prefixes and the gRPC code", () => {
    expect(runtimeCause(EXEC_NOT_FOUND)).toBe('exec: "-test.v": executable file not found in $PATH')
  })

  it('drops the known prefixes when there is no exec: part', () => {
    expect(
      runtimeCause(
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "/a" to rootfs at "/b": not a directory: unknown'
      )
    ).toBe('error during container init: error mounting "/a" to rootfs at "/b": not a directory')
    expect(runtimeCause('')).toBe('')
    expect(runtimeCause('x'.repeat(400))).toHaveLength(300)
  })
})

describe('startFailure', () => {
  it('reads a terminated StartError and a waiting RunContainerError alike', () => {
    const terminated = startFailure({
      terminated: { reason: 'StartError', exitCode: 128, message: EXEC_NOT_FOUND }
    })
    expect(terminated).toMatchObject({
      reason: 'StartError',
      exitCode: 128,
      cause: 'exec: "-test.v": executable file not found in $PATH'
    })
    expect(terminated?.hint).toMatch(/^The image has no ENTRYPOINT, so the test argument "-test.v"/)
    const waiting = startFailure({
      waiting: { reason: 'RunContainerError', message: EXEC_NOT_FOUND }
    })
    expect(waiting).toMatchObject({ reason: 'RunContainerError', cause: terminated?.cause })
    expect(waiting?.exitCode).toBeUndefined()
  })

  it('hints at what each cause a test image meets needs', () => {
    const hint = (cause: string) =>
      startFailure({ waiting: { reason: 'CreateContainerError', message: cause } })?.hint
    expect(
      hint('exec: "/integration.test": stat /integration.test: no such file or directory')
    ).toMatch(
      /^"\/integration.test" is not in the image, or is a dynamically linked binary .* CGO_ENABLED=0/
    )
    expect(hint('exec: "/integration.test": permission denied')).toMatch(/chmod \+x/)
    expect(hint('exec: "/integration.test": exec format error')).toMatch(/GOARCH/)
    expect(hint('something else')).toBeUndefined()
  })

  it('is not a start failure when the container ran', () => {
    expect(startFailure({ terminated: { reason: 'Error', exitCode: 128 } })).toBeUndefined()
    expect(startFailure({ waiting: { reason: 'CrashLoopBackOff' } })).toBeUndefined()
    expect(startFailure(undefined)).toBeUndefined()
  })
})
