// npm run build: the three bundles GitHub and the CLI run (dist/main, dist/post, dist/cli), with
// @vercel/ncc. The package is "type": "module", so ncc emits ES modules (@actions/* and
// @kubernetes/client-node ship only those). A module loaded with import() (the PR comment's
// @actions/github) becomes chunks of their own, read only when imported. Each bundle's
// licenses.txt lists the packages in it, from webpack's stats: ncc's own --license misses every
// package whose modules webpack concatenated into one (@actions/core, client-node, yaml, ...).
//
// ncc (webpack) keeps every module it reaches whole, and a module only re-exporting others is
// reached if any of them may have side effects. @kubernetes/client-node does not say it has
// none, so its KubeConfig (config.js imports gen/index.js) brought in all ~60 generated API
// groups: a 5 MB main bundle whose one 3.8 MB module function V8 parses with a 44 MiB zone (main
// at 131 MiB resident with no inputs, Node 24). Its modules have no side effects at import (no
// bare imports; only static fields of their own classes), so for the build its package.json
// says so ("sideEffects": false, webpack's switch), and src/k8s/client.ts imports only the
// modules it calls. The package's file is put back as it was.
import ncc from '@vercel/ncc'
import * as fs from 'node:fs'
import * as path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const entries = { main: 'src/main.ts', post: 'src/post.ts', cli: 'src/cli.ts' }
const only = process.argv.slice(2)

const clientPackage = path.join(root, 'node_modules/@kubernetes/client-node/package.json')
const original = fs.readFileSync(clientPackage, 'utf8')
fs.writeFileSync(clientPackage, JSON.stringify({ ...JSON.parse(original), sideEffects: false }))
try {
  for (const [name, entry] of Object.entries(entries)) {
    if (only.length > 0 && !only.includes(name)) continue
    const outdir = path.join(root, 'dist', name)
    const { code, assets, stats } = await ncc(path.join(root, entry), {
      // No build cache: the same source gives the same dist/ from a clean clone (check-dist).
      cache: false,
      minify: true,
      target: 'es2022',
      quiet: true
    })
    fs.rmSync(outdir, { recursive: true, force: true })
    fs.mkdirSync(outdir, { recursive: true })
    fs.writeFileSync(path.join(outdir, 'index.js'), code)
    // The CLI (`bin`) starts with #!: executable, as git has it.
    if (code.startsWith('#!')) fs.chmodSync(path.join(outdir, 'index.js'), 0o755)
    for (const [file, asset] of Object.entries(assets)) {
      fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true })
      fs.writeFileSync(path.join(outdir, file), asset.source)
    }
    fs.writeFileSync(path.join(outdir, 'licenses.txt'), licenses(stats))
  }
} finally {
  fs.writeFileSync(clientPackage, original)
}

/** Each bundled package's name, version and license text, once, sorted by name. */
function licenses(stats) {
  const dirs = new Set()
  const visit = (modules) => {
    for (const m of modules ?? []) {
      // The identifier ends with the module's absolute path, after any loaders ('!') or type
      // ('json|').
      const file = (m.identifier ?? '')
        .split('!')
        .pop()
        .replace(/^[^/]*\|/, '')
      const found = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file)
      if (found && !found[1].endsWith('/@vercel/ncc')) dirs.add(found[1])
      visit(m.modules)
    }
  }
  visit(stats.toJson({ all: false, modules: true, nestedModules: true }).modules)
  const parts = []
  for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : ''
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? '')
    parts.push(`${pkg.name}@${pkg.version}\n${license}\n${text}`)
  }
  return `${[...new Set(parts)].sort().join('\n\n')}\n`
}
