// The soak's timeline chart: ops/s and errors/s of each path per second, with the faults as
// shaded spans, drawn with the bench's chart library (Vega-Lite, rendered headless to SVG).
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import type { Fault } from './faults.js';
import type { Second } from './ledger.js';

/** The Vega-Lite spec of the timeline (exported for the self-test's check of what is drawn). */
export function timelineSpec(seconds: Second[], faults: Fault[], title: string): TopLevelSpec {
  const points: { second: number; path: string; measure: string; value: number }[] = [];
  seconds.forEach((second, t) => {
    for (const [path, value] of Object.entries(second.ops)) points.push({ second: t, path, measure: 'ops/s', value });
    for (const [path, value] of Object.entries(second.errors))
      points.push({ second: t, path, measure: 'errors/s', value });
  });
  const spans = faults.map((fault) => ({ start: fault.start / 1000, end: fault.end / 1000, fault: fault.kind }));
  const layer = (measure: string): Record<string, unknown> => ({
    width: 900,
    height: 220,
    layer: [
      {
        data: { values: spans },
        mark: { type: 'rect', opacity: 0.25 },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: 'seconds' },
          x2: { field: 'end' },
          color: { field: 'fault', type: 'nominal', title: 'fault', scale: { scheme: 'set2' } },
        },
      },
      {
        data: { values: points.filter((p) => p.measure === measure) },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'seconds' },
          y: { field: 'value', type: 'quantitative', title: measure },
          stroke: { field: 'path', type: 'nominal', title: 'path' },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    vconcat: [layer('ops/s'), layer('errors/s')],
  } as unknown as TopLevelSpec;
}

/** Renders the timeline to an SVG document, headless (Vega's 'none' renderer), as the bench chart is. */
export async function renderTimeline(seconds: Second[], faults: Fault[], title: string): Promise<string> {
  const { spec } = compile(timelineSpec(seconds, faults, title));
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
