import { describe, expect, it } from 'vitest';
import {
  PyDict,
  PyFloat,
  parsePythonJson,
  pyFloat,
  pyToPlain,
  pythonFloatRepr,
  toPythonJson,
} from '../../../src/core/pycompat/python-json';

describe("Python's json.dump", () => {
  it('formats floats as repr() does', () => {
    const cases: [number, string][] = [
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1e16, '1e+16'],
      [1234567890123456.0, '1234567890123456.0'],
      [12345678901234568, '1.2345678901234568e+16'],
      [0.1 + 0.2, '0.30000000000000004'],
      [-0, '-0.0'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [100, '100.0'],
      [1e22, '1e+22'],
      [123456.789e-10, '1.23456789e-05'],
      [Number.NaN, 'NaN'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
    ];
    for (const [x, s] of cases) expect(pythonFloatRepr(x)).toBe(s);
  });

  it('indents by 4, keeps ints and marked floats apart, escapes non-ASCII', () => {
    const text = toPythonJson({ a: [1, pyFloat(2), 2.5], b: {}, c: [], d: 'é"\n', e: null, f: true });
    expect(text).toBe(
      '{\n    "a": [\n        1,\n        2.0,\n        2.5\n    ],\n    "b": {},\n    "c": [],\n    "d": "\\u00e9\\"\\n",\n    "e": null,\n    "f": true\n}',
    );
  });

  it('sort_keys orders int-like channel keys numerically', () => {
    expect(toPythonJson({ b: 1, a: { '10': 1, '2': 2 } }, { sortKeys: true, indent: 1 })).toBe(
      '{\n "a": {\n  "2": 2,\n  "10": 1\n },\n "b": 1\n}',
    );
  });

  it('reads back key order and float-ness, and writes it again unchanged', () => {
    const text = '{\n    "z": 1,\n    "1": [\n        30.0,\n        1e-05\n    ],\n    "0": "x"\n}';
    const v = parsePythonJson(text);
    expect(v).toBeInstanceOf(PyDict);
    expect((v as PyDict).entries.map(([k]) => k)).toEqual(['z', '1', '0']);
    expect(((v as PyDict).get('1') as PyFloat[])[0]).toBeInstanceOf(PyFloat);
    expect(toPythonJson(v)).toBe(text);
    expect(pyToPlain(v)).toEqual({ z: 1, 1: [30, 1e-5], 0: 'x' });
  });
});
