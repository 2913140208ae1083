// test tier: unit
// The README as a front page and the guides in docs/: short enough to read, lines and tables that
// fit a screen, links that lead somewhere, and benchmark figures only from bench/report/ (rendered
// into marked regions from report.json, see bench/doc-figures.ts), so they cannot contradict it.
// The blocks the README asks users to run are run by package.test.ts.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentFiles, renderFigureRegions, withoutFigureRegions } from '../../bench/doc-figures.js';
import type { BenchResult } from '../../bench/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const files = await documentFiles(ROOT);
const texts = new Map(
  await Promise.all(files.map(async (file) => [file, await readFile(join(ROOT, file), 'utf8')] as const)),
);
const report = JSON.parse(await readFile(join(ROOT, 'bench/report/report.json'), 'utf8')) as BenchResult;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  const headings = text.split('\n').filter((line) => /^#{1,6} /.test(line));
  return new Set(headings.map((line) => slug(line.replace(/^#+ /, ''))));
}

describe('README.md and docs/', () => {
  it('the README is a front page of at most 25 KB, and the guides exist', () => {
    expect(Buffer.byteLength(texts.get('README.md')!)).toBeLessThanOrEqual(25 * 1024);
    for (const guide of ['concurrency', 'redis', 'models', 'pubsub', 'cli', 'benchmarks', 'reliability']) {
      expect(files).toContain(join('docs', `${guide}.md`));
    }
    expect(existsSync(join(ROOT, 'RELIABILITY.md'))).toBe(false);
  });

  it("the README's first screen says that a script must disconnect() or `await using` its connection to exit", () => {
    const firstScreen = texts.get('README.md')!.split('\n').slice(0, 40).join('\n');
    expect(firstScreen).toMatch(/A script exits only once its connection is closed\*\*: `await disconnect\(\)`/);
    expect(firstScreen).toContain('`await using`');
  });

  it('every line fits a screen: at most 120 characters, prose, code and tables alike', () => {
    for (const [file, text] of texts) {
      const long = text
        .split('\n')
        .map((line, i) => ({ line: i + 1, length: [...line].length }))
        .filter(({ length }) => length > 120);
      expect(long, file).toEqual([]);
    }
  });

  it('every relative link leads to a file that exists, and every #anchor to a heading in it', () => {
    for (const [file, text] of texts) {
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path);
        expect(existsSync(resolved), `${file}: ${target}`).toBe(true);
        if (anchor === undefined) continue;
        const inFile = path === '' ? text : (texts.get(join(dirname(file), path)) ?? '');
        expect(anchorsOf(inFile).has(anchor), `${file}: ${target}`).toBe(true);
      }
    }
  });
});

describe('benchmark figures come only from bench/report/report.json', () => {
  it('every figures region shows what the committed report holds (else: npm run docs:figures)', () => {
    let regions = 0;
    for (const [file, text] of texts) {
      regions += [...text.matchAll(/<!-- figures:/g)].length;
      expect(renderFigureRegions(text, report), `${file} differs from bench/report/report.json`).toBe(text);
    }
    expect(regions).toBeGreaterThanOrEqual(6);
  });

  it('a region follows the report: another figure in the report renders another text', () => {
    const readme = texts.get('README.md')!;
    const python = report.python[0]!;
    const changed = { ...report, python: [{ ...python, opsPerSec: python.opsPerSec + 1000 }] };
    expect(renderFigureRegions(readme, changed)).not.toBe(readme);
    expect(renderFigureRegions(readme, changed)).toContain(Math.round(python.opsPerSec + 1000).toLocaleString('en-US'));
  });

  it('no rate (…/s), ratio (1.8×), thousands figure (268k) or measured gain (8–11%) appears outside a region', () => {
    const figure = [
      /\d[\d,.]*k?\b[^|.;]{0,24}\/s\b/i, // 4,168 records/s, about 8k model records/s
      /\d(?:\.\d+)?×/, // 1.8× the main thread
      /\b\d+(?:\.\d+)?k\b(?: ops| reads| writes|\s*\(\d)/i, // 270k (1.00)
      /\b(?:gain|lose|lost|faster|slower)\w*\s+\d[\d–.]*%|\d[\d–.]*%\s+(?:faster|slower)/i, // gains 8–11%
    ];
    for (const [file, text] of texts) {
      const lines = withoutFigureRegions(text).split('\n');
      const found = lines.filter((line) => figure.some((pattern) => pattern.test(line)));
      expect(found, file).toEqual([]);
    }
  });
});
