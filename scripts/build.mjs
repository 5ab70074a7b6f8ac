// npm run build: the three bundles GitHub and the CLI run (dist/main, dist/post, dist/cli), with
// esbuild. ES modules in, so the bundle keeps only what is used: of @kubernetes/client-node's
// generated code that drops the ~60 API groups we never call, and the main process starts at
// 89 MiB resident instead of 132 (ncc, which bundles every module whole). A module loaded with
// import() (the PR comment's @actions/github) is its own chunk, read only when imported.
// Each bundle's licenses.txt lists the packages in it, from esbuild's metafile.
import * as esbuild from 'esbuild'
import * as fs from 'node:fs'
import * as path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const entries = { main: 'src/main.ts', post: 'src/post.ts', cli: 'src/cli.ts' }
const only = process.argv.slice(2)

for (const [name, entry] of Object.entries(entries)) {
  if (only.length > 0 && !only.includes(name)) continue
  const outdir = path.join(root, 'dist', name)
  fs.rmSync(outdir, { recursive: true, force: true })
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    // Chunk names are content hashes: the same source gives the same dist/ (check-dist).
    chunkNames: '[hash]',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
    }
  })
  fs.writeFileSync(path.join(outdir, 'package.json'), '{"type":"module"}\n')
  fs.writeFileSync(path.join(outdir, 'licenses.txt'), licenses(result.metafile))
}

/** Each bundled package's name, version and license text, once, sorted by name. */
function licenses(metafile) {
  const dirs = new Set()
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (m) dirs.add(m[1])
  }
  const parts = []
  for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'))
    const file = fs
      .readdirSync(path.join(root, dir))
      .find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const text = file ? fs.readFileSync(path.join(root, dir, file), 'utf8').trim() : ''
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? '')
    parts.push(`${pkg.name}@${pkg.version}\n${license}\n${text}`)
  }
  return `${[...new Set(parts)].join('\n\n')}\n`
}
