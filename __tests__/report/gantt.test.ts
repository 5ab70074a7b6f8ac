/**
 * The summary's stage chart, read back by Mermaid's own parser (the package GitHub renders job
 * summaries with): it must parse as a gantt, and every bar must start where its stage started and
 * end where it ended. Runs in Node without a DOM: the chart has no `title`, the one part whose
 * text Mermaid sanitizes with DOMPurify (which needs a browser).
 */
import { describe, expect, it } from '@jest/globals'
import mermaid from 'mermaid'
import { summary, type RunReport } from '../../src/report/report.js'
import type { StageTiming } from '../../src/timing.js'

const STARTED = Date.UTC(2026, 11, 7, 14, 3, 20)

const report = (extra: Partial<RunReport>): RunReport => ({
  status: 'passed',
  headline: '',
  details: [],
  durationMs: 0,
  timings: [],
  startedAt: STARTED,
  locate: () => undefined,
  ...extra
})

/** The ```mermaid block of a summary. */
function chartOf(md: string): string {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(md)
  if (!m) throw new Error(`no mermaid block in:\n${md}`)
  return m[1]
}

interface GanttTask {
  task: string
  startTime: Date
  endTime: Date
}

/** Mermaid's parse, then its gantt database's tasks (the bars it would draw). */
async function bars(chart: string): Promise<Array<[string, number, number]>> {
  await expect(mermaid.parse(chart)).resolves.toMatchObject({ diagramType: 'gantt' })
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(chart)
  const tasks = (diagram.db as unknown as { getTasks(): GanttTask[] }).getTasks()
  return tasks.map((t) => [t.task.trim(), t.startTime.getTime(), t.endTime.getTime()])
}

const expected = (timings: StageTiming[]) =>
  [...timings]
    .sort((a, b) => a.startMs - b.startMs)
    .map((t) => [
      expect.stringMatching(new RegExp(`^${t.stage.replace(/[()]/g, '\\$&')} \\(`)),
      STARTED + t.startMs,
      STARTED + t.startMs + Math.max(1, t.ms)
    ])

describe('the stage chart', () => {
  it('draws overlapping stages side by side, each where it started and as long as it took', async () => {
    // A passing run: the image builds and loads while the cluster comes up and the service deploys.
    const timings: StageTiming[] = [
      { stage: 'cluster', startMs: 120, ms: 41_000 },
      { stage: 'image build', startMs: 150, ms: 62_300 },
      { stage: 'api check', startMs: 41_200, ms: 180 },
      { stage: 'deploy', startMs: 41_400, ms: 27_900 },
      { stage: 'image load', startMs: 62_500, ms: 4_100 },
      { stage: 'tests', startMs: 69_400, ms: 12_300 }
    ]
    const md = summary(report({ timings, durationMs: 82_000 }))
    const chart = chartOf(md)
    expect(chart.split('\n').slice(0, 3)).toEqual([
      'gantt',
      '  dateFormat x',
      '  axisFormat %H:%M:%S'
    ])
    const drawn = await bars(chart)
    expect(drawn).toEqual(expected(timings))
    // The image build overlaps the cluster and the deploy.
    const at = (name: string) => drawn.find(([n]) => n.startsWith(name))!
    expect(at('image build')[1]).toBeLessThan(at('cluster')[2])
    expect(at('image build')[2]).toBeGreaterThan(at('deploy')[1])
    // The table stays, in its details block, after the chart.
    expect(md).toMatch(
      /```mermaid[\s\S]*```\n\n<details><summary>Stage timings<\/summary>\n\n\| stage \| started \| took \|/
    )
  })

  it('draws a run that stopped at the deploy, including a stage of 0 ms', async () => {
    const timings: StageTiming[] = [
      { stage: 'cluster', startMs: 0, ms: 38_000 },
      { stage: 'image build', startMs: 10, ms: 20_000 },
      { stage: 'api check', startMs: 38_000, ms: 0 },
      { stage: 'service images load', startMs: 38_100, ms: 2_000 },
      { stage: 'deploy', startMs: 40_200, ms: 300_000 },
      { stage: 'cluster diagnostics', startMs: 340_300, ms: 3_100 }
    ]
    const md = summary(
      report({
        status: 'error',
        headline: 'Deployment example/api is not ready after 300s: 0/1 pods ready',
        timings,
        durationMs: 343_500
      })
    )
    expect(await bars(chartOf(md))).toEqual(expected(timings))
    expect(md).not.toMatch(/\| tests \|/)
  })

  it('is not drawn for a run without stages (the CLI report)', () => {
    expect(summary(report({}))).not.toContain('```mermaid')
  })
})
