// test tier: unit
// How the live interop suite decides whether it runs (vitest.config.ts asks interopExclusions):
// left out with one printed line where Python or Popoto is missing, a failed run when
// POPOTO_INTEROP=required. (This file is outside test/interop, so it runs everywhere.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { interopExclusions, interopSetup, VENDORED_POPOTO } from '../interop/availability.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('interop suite availability', () => {
  it('leaves test/interop out with one line saying why when Popoto is missing', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(interopExclusions({ POPOTO_PYTHONPATH: '/nonexistent/popoto' })).toEqual(['test/interop/**']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(
      'popoto-ts: the live Python Popoto interop suite (test/interop) did not run: no Popoto at /nonexistent/popoto (set POPOTO_PYTHONPATH to the directory holding the popoto package)',
    );
  });

  it('names the missing Python and how to install the packages', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(interopExclusions({ POPOTO_PYTHON: '/nonexistent/python3' })).toEqual(['test/interop/**']);
    expect(warn.mock.calls[0]![0]).toMatch(
      /did not run: \/nonexistent\/python3 cannot import Popoto and its packages .*apt-get install -y python3 python3-redis/,
    );
  });

  it('fails instead when POPOTO_INTEROP=required, and rejects an unknown mode', () => {
    expect(() => interopExclusions({ POPOTO_INTEROP: 'required', POPOTO_PYTHONPATH: '/nonexistent/popoto' })).toThrow(
      'POPOTO_INTEROP=required, but the Python Popoto interop suite cannot run: no Popoto at /nonexistent/popoto',
    );
    expect(() => interopSetup({ POPOTO_INTEROP: 'skip' })).toThrow(
      `POPOTO_INTEROP must be 'auto' or 'required', got "skip"`,
    );
  });

  it('defaults to Debian python3 and the shared Popoto 0.8.3, each overridable', () => {
    expect(interopSetup({})).toMatchObject({ popotoPath: VENDORED_POPOTO, required: false });
    expect(interopSetup({ POPOTO_PYTHON: 'python3.11', POPOTO_PYTHONPATH: '/opt/popoto' })).toMatchObject({
      python: 'python3.11',
      popotoPath: '/opt/popoto',
    });
  });
});
