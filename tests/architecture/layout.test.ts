import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layout is a claim about the code: core is pure (no DOM, no React, no app), the NumPy/Python
// emulation is the bottom layer, and nothing imports in a circle. These checks keep the claim true.
const ROOT = path.resolve(__dirname, '../..');
const CORE = path.join(ROOT, 'src/core');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"?]+)['"]/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const hit = [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, base].find(
      (p) => fs.existsSync(p) && fs.statSync(p).isFile(),
    );
    if (hit) out.push(hit);
  }
  return out;
}

const files = [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'workers'))];
const graph = new Map(files.map((f) => [f, relativeImports(f)]));
const rel = (f: string) => path.relative(ROOT, f);

describe('source layout', () => {
  it('has no import cycles', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, stack: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map(rel).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) visit(d, [...stack, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('keeps src/core free of the app, the CLI, React and the DOM-only libraries', () => {
    const bad: string[] = [];
    for (const f of files.filter((f) => f.startsWith(CORE))) {
      for (const d of graph.get(f) ?? []) if (!d.startsWith(CORE)) bad.push(`${rel(f)} → ${rel(d)}`);
      const text = fs.readFileSync(f, 'utf8');
      if (/from ['"](react|react-dom|zustand|@niivue\/niivue)['"]/.test(text))
        bad.push(`${rel(f)} imports UI code`);
    }
    expect(bad).toEqual([]);
  });

  it('keeps the NumPy/Python emulation (src/core/pycompat) at the bottom: it imports nothing above it', () => {
    const bottom = path.join(CORE, 'pycompat');
    const allowed = [bottom, path.join(CORE, 'errors.ts')];
    const bad: string[] = [];
    for (const f of files.filter((f) => f.startsWith(bottom)))
      for (const d of graph.get(f) ?? [])
        if (!allowed.some((a) => d.startsWith(a))) bad.push(`${rel(f)} → ${rel(d)}`);
    expect(bad).toEqual([]);
  });

  it('names no absolute path of a build machine in shipped or committed text', () => {
    const roots = ['src', 'workers', 'public', 'README.md', 'e2e', 'bench', 'scripts', 'tests/fixtures'].map(
      (p) => path.join(ROOT, p),
    );
    const texts = roots.flatMap((r) =>
      fs.existsSync(r) ? (fs.statSync(r).isDirectory() ? sourcesAll(r) : [r]) : [],
    );
    const bad = texts.filter((f) =>
      /(["'`\s(]|^)\/(work|home|root|tmp|Users)\/[A-Za-z0-9_.-]+\//m.test(fs.readFileSync(f, 'utf8')),
    );
    expect(bad.map(rel)).toEqual([]);
  });
});

function sourcesAll(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourcesAll(p);
    return /\.(ts|tsx|mjs|js|json|md|html|py)$/.test(e.name) ? [p] : [];
  });
}
