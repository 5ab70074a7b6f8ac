// Regenerates the inputs and outputs tables of README.md from action.yml (between the markers),
// so the documentation cannot drift from what the action declares. `node scripts/readme-tables.mjs`
import * as fs from 'node:fs'
import { parse } from 'yaml'

const action = parse(fs.readFileSync('action.yml', 'utf8'))
const cell = (s) =>
  String(s ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .trim()
const inputs = [
  '| input | default | description |',
  '| --- | --- | --- |',
  ...Object.entries(action.inputs).map(
    ([name, i]) =>
      `| \`${name}\` | ${i.default === '' ? '_(empty)_' : '`' + cell(i.default) + '`'} | ${cell(i.description)} |`
  )
].join('\n')
const outputs = [
  '| output | description |',
  '| --- | --- |',
  ...Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`)
].join('\n')

let readme = fs.readFileSync('README.md', 'utf8')
const put = (text, marker, table) =>
  text.replace(
    new RegExp(`(<!-- ${marker}:start -->)[\\s\\S]*?(<!-- ${marker}:end -->)`),
    `$1\n${table}\n$2`
  )
readme = put(put(readme, 'inputs', inputs), 'outputs', outputs)
fs.writeFileSync('README.md', readme)
