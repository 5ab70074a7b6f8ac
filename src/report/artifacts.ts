/**
 * The files a run leaves in output-dir for people and tools after it: results.json and junit.xml
 * for every run, cover.out when the tests printed a profile. One module writes them all, so their
 * names and what goes in them are decided in one place.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { formatProfile, type CoverProfile } from '../results/cover-profile.js'
import { junitXml, resultsJson, type RunReport } from './report.js'

/** Writes the merged cover profile; its path, for the report's files. */
export function writeCoverProfile(outputDir: string, profile: CoverProfile): string {
  const file = path.join(outputDir, 'cover.out')
  fs.writeFileSync(file, formatProfile(profile))
  return file
}

/** Writes results.json and junit.xml of a finished report; their paths. */
export function writeResults(
  outputDir: string,
  report: RunReport
): { results: string; junit: string } {
  const results = path.join(outputDir, 'results.json')
  const junit = path.join(outputDir, 'junit.xml')
  fs.writeFileSync(results, resultsJson(report))
  fs.writeFileSync(junit, junitXml(report))
  return { results, junit }
}
