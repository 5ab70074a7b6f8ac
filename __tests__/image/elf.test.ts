import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { ELF_HEADER_BYTES, readElf, staticBinaryProblem } from '../../src/image/elf.js'
import { elf } from './elf-fixture.js'

describe('ELF check', () => {
  it('accepts a static binary for the image architecture', () => {
    expect(readElf(elf({ phTypes: [6, 1, 1] }))).toEqual({
      bits: 64,
      littleEndian: true,
      arch: 'amd64',
      interpreter: undefined
    })
    expect(staticBinaryProblem(elf({}), 'amd64')).toBeUndefined()
    expect(staticBinaryProblem(elf({ machine: 183 }), 'arm64')).toBeUndefined()
    expect(staticBinaryProblem(elf({ bits: 32, le: false, machine: 22 }), 's390x')).toBe(undefined)
  })

  it('refuses a binary with an interpreter, naming it and the fix', () => {
    const problem = staticBinaryProblem(
      elf({ phTypes: [6, 3, 1], interp: '/lib64/ld-linux-x86-64.so.2' }),
      'amd64'
    )
    expect(problem).toMatch(/dynamically linked .*\/lib64\/ld-linux-x86-64\.so\.2/)
    expect(problem).toMatch(/CGO_ENABLED=0/)
    expect(readElf(elf({ bits: 32, phTypes: [3], interp: '/lib/ld-linux.so.2' }))).toMatchObject({
      bits: 32,
      interpreter: '/lib/ld-linux.so.2'
    })
  })

  it('refuses another architecture, a macOS binary and garbage with the fix', () => {
    expect(staticBinaryProblem(elf({ machine: 183 }), 'amd64')).toMatch(
      /built for arm64 but the image is for amd64: build with GOARCH=amd64/
    )
    expect(staticBinaryProblem(Buffer.from('cffaedfe07000001', 'hex'), 'amd64')).toMatch(
      /Mach-O.*GOOS=linux/
    )
    expect(staticBinaryProblem(Buffer.from('#!/bin/sh\necho hi\n'), 'amd64')).toMatch(
      /not an ELF executable/
    )
  })

  it('says so when the program headers are beyond the bytes given', () => {
    expect(() => readElf(elf({ phTypes: [1, 1] }).subarray(0, 80))).toThrow(/beyond the 80 bytes/)
  })

  it('reads a real dynamically linked system binary', () => {
    const ls = ['/bin/ls', '/usr/bin/ls'].find((p) => fs.existsSync(p))
    if (!ls) return
    const header = Buffer.alloc(ELF_HEADER_BYTES)
    const fd = fs.openSync(ls, 'r')
    fs.readSync(fd, header, 0, header.length, 0)
    fs.closeSync(fd)
    const info = readElf(header)
    expect(info.arch).toBe(process.arch === 'x64' ? 'amd64' : info.arch)
    expect(info.interpreter).toMatch(/^\/lib.*ld-linux.*\.so/)
  })
})
