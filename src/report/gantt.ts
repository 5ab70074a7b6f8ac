/**
 * The run's stages as a Mermaid gantt chart, which GitHub draws in a job summary: each bar starts
 * where its stage started and is as long as it took, so stages that ran side by side (the image
 * build beside the cluster and the deploy) show as overlapping bars. The bars sit at the run's
 * real start time (a time axis from 0 would be shifted by the reader's time zone).
 *
 * Only our own stage names and numbers go in: nothing from the tests' output. No `title`: its
 * text goes through DOMPurify, which Mermaid's parser cannot run outside a browser (the test
 * checks the chart with that parser).
 */
import type { StageTiming } from '../timing.js'
import { ms } from './markdown.js'

/** `startedAt`: the run's start in ms since the epoch (the axis shows the reader's clock). */
export function stageChart(timings: readonly StageTiming[], startedAt = 0): string {
  const sorted = [...timings].sort((a, b) => a.startMs - b.startMs)
  const lines = [
    '```mermaid',
    'gantt',
    '  dateFormat x',
    // The reader's clock time: whole seconds suffice, a run takes minutes.
    '  axisFormat %H:%M:%S',
    ...sorted.map((t, i) => {
      const start = Math.round(startedAt + t.startMs)
      // A bar of 0 ms is not drawn: give it one.
      const end = start + Math.max(1, Math.round(t.ms))
      return `  ${taskName(t.stage)} (${ms(t.ms)}) :s${i}, ${start}, ${end}`
    }),
    '```'
  ]
  return lines.join('\n')
}

/** A task's name ends at `:`; `#` and `;` start comments and entities in Mermaid. */
function taskName(stage: string): string {
  return stage.replace(/[^\w ()/+.-]/g, ' ').trim() || 'stage'
}
