import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkoutSource, listGoFiles } from '../../src/results/source-files.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'

describe('checkoutSource', () => {
  it('reads listed Go files inside the checkout only, never through a symlink out of it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-src-'))
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-out-'))
    fs.mkdirSync(path.join(root, 'pkg'))
    fs.writeFileSync(path.join(root, 'pkg/a_test.go'), 'package pkg\n')
    fs.writeFileSync(path.join(root, 'pkg/unlisted_test.go'), 'package pkg\n')
    fs.writeFileSync(path.join(outside, 'secret.go'), 'package secret\n')
    fs.symlinkSync(path.join(outside, 'secret.go'), path.join(root, 'pkg/link_test.go'))
    const source = checkoutSource(root, ['pkg/a_test.go', 'pkg/link_test.go', '../x.go'])
    expect(source.read('pkg/a_test.go')).toBe('package pkg\n')
    expect(source.read('pkg/link_test.go')).toBeUndefined()
    expect(source.read('pkg/unlisted_test.go')).toBeUndefined()
    expect(source.read('../x.go')).toBeUndefined()
  })

  it("lists git's Go files, or walks the folder where git cannot", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-src-'))
    fs.mkdirSync(path.join(root, 'a/vendor'), { recursive: true })
    fs.writeFileSync(path.join(root, 'a/x_test.go'), '')
    fs.writeFileSync(path.join(root, 'a/vendor/v.go'), '')
    fs.writeFileSync(path.join(root, 'a/notes.txt'), '')
    const git = new FakeExec().on((c) => c.command === 'git', { stdout: 'b/y_test.go\n' })
    expect(await listGoFiles(root, git)).toEqual(['b/y_test.go'])
    const noGit = new FakeExec().on((c) => c.command === 'git', { exitCode: 128 })
    expect(await listGoFiles(root, noGit)).toEqual(['a/x_test.go'])
  })
})
